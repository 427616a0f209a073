/*
 * connector_host.h -- the ConnectorHost plugin ABI.
 *
 * This header is the whole contract between a ConnectorHost host process and a
 * connector plugin: a shared object (.so) that the host loads with dlopen().
 * A plugin includes this file and nothing else of the host's; it links against
 * nothing of the host's either. Everything the host offers reaches the plugin
 * through the ch_host_api table passed to the entry point.
 *
 * C99, depends only on <stdint.h> and <stddef.h>.
 *
 * -------------------------------------------------------------------------
 * Versioning
 * -------------------------------------------------------------------------
 * CH_ABI_VERSION is the version of the ABI this header describes. Changes are
 * additive only: a new version may append fields at the end of a structure,
 * append functions at the end of ch_host_api, add status codes, value types
 * and standard operation names. It never removes, reorders or retypes what an
 * earlier version defined.
 *
 * Every structure that may grow starts with (or carries) its own size, so
 * that each side reads only the fields the other side knows:
 *   - the host never reads a descriptor field beyond descriptor->struct_size,
 *     nor a function-table field beyond descriptor->function_size;
 *   - a plugin never reads a ch_host_api, ch_request, ch_response or
 *     ch_function_context field, nor writes a ch_response or
 *     ch_function_context field, beyond that structure's struct_size.
 *
 * Negotiation: the entry point receives the host's ch_host_api, which carries
 * the oldest and newest ABI versions the host serves. A plugin returns a
 * descriptor whose abi_version lies in that range; a plugin built against a
 * newer header can still run on an older host by returning an older
 * descriptor. The host rejects any other descriptor with an error that names
 * the field that differs (magic, abi_version or struct_size).
 *
 * The size of every version of every growable structure is pinned below
 * (CH_*_SIZE_V<n>, the end of that version's last field). The host copies
 * min(declared size, the size it knows) bytes of each structure into a zeroed
 * one: fields a plugin does not know read as zero (their default), fields the
 * host does not know are ignored. It rejects only a declared size smaller
 * than the plugin's own abi_version requires.
 *
 * Changelog:
 *   1  First version: descriptor with manifest, metadata and resilience
 *      defaults; standard operations; custom functions with C signatures;
 *      host API (allocate, release, log, is_cancelled, time_remaining_ns).
 *   2  ch_function.flags (CH_FUNCTION_IDEMPOTENT: a custom function the host
 *      may repeat after a timeout or a crash); CH_MAX_RESPONSE_BYTES;
 *      function_size 0 meaning sizeof(ch_function) of the descriptor's
 *      abi_version, so that CH_DESCRIPTOR_HEADER works from C++.
 *   3  CH_TYPE_JSON: JSON documents in and out of custom functions.
 *      CH_TYPE_CONTEXT and ch_function_context: a custom function may take
 *      its call's context as its first parameter -- the session opened with
 *      the caller's settings, the settings themselves, the call handle for
 *      is_cancelled and time_remaining_ns, and a status and message to fail
 *      with, mapped like a standard operation's. Structures and host API
 *      are otherwise those of version 2.
 *
 * -------------------------------------------------------------------------
 * Life cycle
 * -------------------------------------------------------------------------
 * 1. The host dlopen()s the plugin (RTLD_NOW | RTLD_LOCAL) and looks up the
 *    symbol CH_PLUGIN_ENTRY_SYMBOL ("connector_host_plugin").
 * 2. The host calls the entry point with its ch_host_api. The entry point
 *    MUST return a pointer to a descriptor that stays valid, unchanged, until
 *    the image is unloaded (a static const object is the usual way), or NULL
 *    to refuse loading. The host MAY call it more than once for one image
 *    (to read the descriptor again): it MUST return the same descriptor every
 *    time. It MAY keep the ch_host_api pointer of the latest call: the table
 *    stays valid as long as the image is loaded.
 * 3. The host validates the descriptor (see "Validation" below) and then
 *    calls standard operations and custom functions through the function
 *    table. Calls in a session normally start with "session.open" and end
 *    with "session.close".
 * 4. The host may unload an image that contains no Swift code with
 *    dlclose() once every session is closed and no call is running. A plugin
 *    MUST NOT rely on process exit to release what a session holds.
 *
 * By default the host runs each plugin in its own sandbox worker process; a
 * crash, abort, exit or hang in a plugin is contained there. The same rules
 * hold in either runtime: a plugin cannot tell which one it runs in.
 *
 * -------------------------------------------------------------------------
 * Validation (what the host rejects at load time)
 * -------------------------------------------------------------------------
 *   - no CH_PLUGIN_ENTRY_SYMBOL, or the entry point returns NULL;
 *   - magic != CH_PLUGIN_MAGIC;
 *   - abi_version outside the range the host serves;
 *   - struct_size smaller than abi_version requires, or function_size
 *     smaller than sizeof(ch_function) of that version;
 *   - an empty or missing name, version, key or secret;
 *   - entity IDs that are not positive, function_entity_start_id greater than
 *     function_entity_end_id, endpoint_entity_id inside the function range;
 *   - a function whose entity_id lies outside the function range, two
 *     functions with the same entity_id or the same name;
 *   - a standard function (operation != NULL) whose name is not a standard
 *     operation, a custom function (custom != NULL) named like one, an entry
 *     with both or neither pointer;
 *   - a custom function with an unknown value type or more than
 *     CH_MAX_PARAMETERS parameters; CH_TYPE_CONTEXT anywhere but as the first
 *     parameter, or in a descriptor whose abi_version is below 3;
 *   - a missing mandatory operation (see CH_OP_* below): the error lists every
 *     missing one; CH_PLUGIN_HISTORY_RECOVERY without "history.list".
 */
#ifndef CONNECTOR_HOST_H
#define CONNECTOR_HOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Identification                                                            */
/* ------------------------------------------------------------------------- */

/** The first field of every descriptor: the bytes "CHPL" read as a big-endian
 *  32-bit number. A different value means the symbol is not a ConnectorHost
 *  descriptor at all. */
#define CH_PLUGIN_MAGIC 0x4348504Cu

/** The ABI version this header describes. */
#define CH_ABI_VERSION 3u

/** The name of the exported entry point (see ch_plugin_entry_fn). */
#define CH_PLUGIN_ENTRY_SYMBOL "connector_host_plugin"

/** Marks a symbol as exported from the plugin's shared object, also when the
 *  plugin is compiled with -fvisibility=hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define CH_EXPORT __attribute__((visibility("default")))
#else
#define CH_EXPORT
#endif

/* ------------------------------------------------------------------------- */
/* Status codes                                                              */
/* ------------------------------------------------------------------------- */

/** The result of a standard operation. Zero is success; every error is
 *  negative. A plugin that returns a value the host does not know is treated
 *  as a permanent plugin error. */
typedef int32_t ch_status;

enum {
    /** The call succeeded; response->body holds the result. */
    CH_STATUS_OK = 0,
    /** The request is malformed or names a field or value the end system
     *  rejects. Never retried. */
    CH_STATUS_INVALID_REQUEST = -1,
    /** The entity, attachment, link or other object does not exist. Never
     *  retried. */
    CH_STATUS_NOT_FOUND = -2,
    /** The session is no longer valid (credentials expired, end system logged
     *  it out). The host opens a new session and repeats the call once. */
    CH_STATUS_UNAUTHORIZED = -3,
    /** The end system asks the caller to slow down. Set
     *  response->retry_after_ms to the time the end system asks for. */
    CH_STATUS_RATE_LIMITED = -4,
    /** A failure that may pass (network error, end system busy). The host
     *  retries it under the plugin's retry policy. */
    CH_STATUS_TRANSIENT = -5,
    /** A failure that will not pass by retrying. */
    CH_STATUS_PERMANENT = -6
};

/* ------------------------------------------------------------------------- */
/* Host API                                                                  */
/* ------------------------------------------------------------------------- */

/** Severity of a log message sent through ch_host_api.log. */
typedef int32_t ch_log_level;

enum {
    CH_LOG_TRACE = 0,
    CH_LOG_DEBUG = 1,
    CH_LOG_INFO = 2,
    CH_LOG_WARNING = 3,
    CH_LOG_ERROR = 4
};

/** An opaque handle to one call in progress. Only meaningful to the host API
 *  functions that take it, and only during the call it was passed to. */
typedef struct ch_call ch_call;

/**
 * The functions the host offers the plugin. Passed to the entry point; valid
 * until the image is unloaded; every function may be called from any thread.
 *
 * The table only grows at its end. A plugin MUST check struct_size before
 * using a function added after version 1 (none yet).
 */
typedef struct ch_host_api {
    /** sizeof(ch_host_api) as the host was compiled. */
    uint32_t struct_size;
    /** The newest ABI version the host serves. */
    uint32_t abi_version;
    /** The oldest ABI version the host serves. */
    uint32_t min_abi_version;
    uint32_t reserved;
    /** Passed back as the first argument of log(); the plugin must not
     *  interpret it. */
    void *context;

    /* --- version 1 and later --- */

    /** Allocates size bytes. Everything a plugin hands to the host for the
     *  host to free (response bodies, messages, custom-function results)
     *  MUST come from here. Returns NULL when out of memory. The host knows
     *  its blocks: a pointer from anywhere else (malloc, a literal, a block
     *  already released) is never freed, and the call fails with a plugin
     *  error saying so. */
    void *(*allocate)(size_t size);
    /** Frees memory from allocate(). NULL is a no-op. */
    void (*release)(void *pointer);
    /** Writes one line to the host's log, attributed to this plugin.
     *  message is NUL-terminated UTF-8; the host copies it. Never log a
     *  value the session configuration marks sensitive. */
    void (*log)(void *context, ch_log_level level, const char *message);
    /** Returns non-zero once the caller has given up on this call (timeout,
     *  cancellation, host shutdown). A long operation should check it and
     *  return CH_STATUS_TRANSIENT early. */
    int32_t (*is_cancelled)(const ch_call *call);
    /** Nanoseconds left before the call's deadline; 0 once it has passed;
     *  UINT64_MAX when the call has no deadline. The host sets the deadline
     *  from a coarse clock: it may come a few milliseconds early, never late. */
    uint64_t (*time_remaining_ns)(const ch_call *call);
} ch_host_api;

/* ------------------------------------------------------------------------- */
/* Sessions, requests and responses                                         */
/* ------------------------------------------------------------------------- */

/**
 * One session with the end system. The host owns this structure and passes
 * the same pointer to every call in the session.
 *
 * "session.open" receives a fresh session whose state is NULL and may set
 * state to whatever the plugin needs (a connection, a cache). Every later call
 * in the session sees that state. "session.close" MUST release it. The host
 * never reads or frees state.
 *
 * Calls in one session may run concurrently when the plugin declares
 * CH_PLUGIN_THREAD_SAFE; the plugin then guards state itself.
 */
typedef struct ch_session {
    /** sizeof(ch_session) as the host was compiled. */
    uint32_t struct_size;
    uint32_t reserved;
    /** Unique among the sessions of one host process; useful in log lines. */
    uint64_t id;
    /** Owned by the plugin. */
    void *state;
} ch_session;

/** The input of a standard operation. Owned by the host; valid during the
 *  call only. */
typedef struct ch_request {
    /** sizeof(ch_request) as the host was compiled. */
    uint32_t struct_size;
    uint32_t reserved;
    /** The standard operation's name (one of CH_OP_*), NUL-terminated. */
    const char *operation;
    /** The request as UTF-8 JSON, NOT NUL-terminated; body_length bytes.
     *  Never NULL: an operation without input receives "{}". */
    const uint8_t *body;
    size_t body_length;
    /** Pass to ch_host_api.is_cancelled and time_remaining_ns. */
    const ch_call *call;
} ch_request;

/** The largest response body (or custom-function string, JSON or buffer
 *  result) a plugin may hand to the host, in either runtime: a larger one
 *  fails its call with a plugin error naming the size (page large answers
 *  instead). A sandboxed reply's frame holds this much and a message of up
 *  to CH_MAX_MESSAGE_BYTES. */
#define CH_MAX_RESPONSE_BYTES (16u << 20)

/** The most bytes of an error message (ch_response.message or
 *  ch_function_context.message) the host reads, in either runtime: a longer
 *  one is cut there and ends with a note saying so (put the long detail in
 *  the body instead). */
#define CH_MAX_MESSAGE_BYTES (32u << 10)

/**
 * The output of a standard operation, zeroed by the host before the call.
 *
 * On CH_STATUS_OK the plugin sets body to UTF-8 JSON (not NUL-terminated)
 * allocated with ch_host_api.allocate and body_length to its length; the host
 * takes ownership and frees it. On an error the plugin may set message to a
 * NUL-terminated UTF-8 text, allocated the same way, that says what was wrong;
 * body may then carry a JSON "detail" document. Whatever the plugin sets, the
 * host frees, also on error.
 */
typedef struct ch_response {
    /** sizeof(ch_response) as the host was compiled. */
    uint32_t struct_size;
    /** With CH_STATUS_RATE_LIMITED: how long the end system asks callers to
     *  wait, in milliseconds (0: unknown). */
    uint32_t retry_after_ms;
    uint8_t *body;
    size_t body_length;
    char *message;
} ch_response;

/**
 * The one signature of every standard operation.
 *
 * @param session  The session the call runs in. NULL only for
 *                 "metadata.get", which the host may call before any session
 *                 exists (its answer describes the session configuration).
 * @param request  The operation's name and JSON input.
 * @param response Where the plugin puts the JSON output or an error message.
 * @return CH_STATUS_OK or a negative ch_status.
 */
typedef ch_status (*ch_operation_fn)(ch_session *session, const ch_request *request,
                                     ch_response *response);

/* ------------------------------------------------------------------------- */
/* Standard operations                                                       */
/* ------------------------------------------------------------------------- */
/*
 * The names of the standard operations, one per API of the OpsHub "Build Your
 * Own Connector" surface, grouped as the host reports capabilities. The
 * request and response JSON of each is documented in docs/operations.md.
 * Operations marked MANDATORY must be present in every plugin.
 */

/* session */
#define CH_OP_SESSION_OPEN "session.open"     /* MANDATORY */
#define CH_OP_SESSION_CLOSE "session.close"   /* MANDATORY */
/* metadata */
#define CH_OP_METADATA_GET "metadata.get"     /* MANDATORY */
/* configuration */
#define CH_OP_SERVER_INFO "server.info"       /* MANDATORY */
#define CH_OP_ENTITY_TYPE_LIST "entity_type.list" /* MANDATORY */
#define CH_OP_ENTITY_TYPE_GET "entity_type.get"
#define CH_OP_LOOKUP_VALUES "lookup.values"   /* MANDATORY */
/* entity */
#define CH_OP_ENTITY_GET "entity.get"         /* MANDATORY */
#define CH_OP_ENTITY_CREATE "entity.create"   /* MANDATORY */
#define CH_OP_ENTITY_UPDATE "entity.update"   /* MANDATORY */
#define CH_OP_ENTITY_LIST "entity.list"       /* MANDATORY */
#define CH_OP_ENTITY_DELETE "entity.delete"   /* MANDATORY: soft delete */
/* substeps */
#define CH_OP_SUBSTEP_LIST "substep.list"
/* users */
#define CH_OP_USER_SEARCH "user.search"
/* comments */
#define CH_OP_COMMENT_ADD "comment.add"
#define CH_OP_COMMENT_LIST "comment.list"
/* attachments */
#define CH_OP_ATTACHMENT_GET "attachment.get"
#define CH_OP_ATTACHMENT_CREATE "attachment.create"
#define CH_OP_ATTACHMENT_UPDATE "attachment.update"
#define CH_OP_ATTACHMENT_DELETE "attachment.delete"
#define CH_OP_ATTACHMENT_FILE_NAME "attachment.file_name"
/* links */
#define CH_OP_LINK_UPSERT "link.upsert"
#define CH_OP_LINK_DELETE "link.delete"
#define CH_OP_LINK_SIBLINGS "link.siblings"
/* history */
#define CH_OP_HISTORY_LIST "history.list"
#define CH_OP_HISTORY_ATTACHMENTS "history.attachments"
#define CH_OP_HISTORY_COMMENTS "history.comments"
#define CH_OP_HISTORY_LINKS "history.links"

/* ------------------------------------------------------------------------- */
/* Custom functions                                                          */
/* ------------------------------------------------------------------------- */

/**
 * The C types a custom function may take and return. The host converts a JSON
 * argument array to these types (with range checks) and calls the function
 * through libffi, so a plugin writes plain C functions and no glue.
 */
typedef uint32_t ch_value_type;

enum {
    /** Return type only: the function returns nothing (JSON null). */
    CH_TYPE_VOID = 0,
    /** C99 _Bool / C++ bool. JSON true or false. */
    CH_TYPE_BOOL = 1,
    CH_TYPE_INT8 = 2,
    CH_TYPE_UINT8 = 3,
    CH_TYPE_INT16 = 4,
    CH_TYPE_UINT16 = 5,
    CH_TYPE_INT32 = 6,
    CH_TYPE_UINT32 = 7,
    CH_TYPE_INT64 = 8,
    CH_TYPE_UINT64 = 9,
    CH_TYPE_FLOAT = 10,
    CH_TYPE_DOUBLE = 11,
    /** Parameter: const char *, NUL-terminated UTF-8, owned by the host and
     *  valid during the call only.
     *  Return: char *, NUL-terminated UTF-8 allocated with
     *  ch_host_api.allocate, or NULL for JSON null; the host frees it. */
    CH_TYPE_STRING = 12,
    /** Return type only: a ch_buffer by value whose data was allocated with
     *  ch_host_api.allocate (or is NULL with length 0); the host frees it.
     *  Returned to callers as base64 text. */
    CH_TYPE_BUFFER = 13,
    /** Version 3; first parameter only: ch_function_context *, the call's
     *  context (see ch_function_context). Callers pass no argument for it. */
    CH_TYPE_CONTEXT = 14,
    /** Version 3. Parameter: const char *, a NUL-terminated JSON document
     *  (any JSON value the caller passed), owned by the host and valid during
     *  the call only. Return: char *, a NUL-terminated JSON document allocated
     *  with ch_host_api.allocate, or NULL for JSON null; the host frees it and
     *  answers it as JSON (a text that is not JSON is a plugin error). */
    CH_TYPE_JSON = 15
};

/** The most parameters a custom function may declare. */
#define CH_MAX_PARAMETERS 16

/** Bytes returned by a custom function whose return type is CH_TYPE_BUFFER. */
typedef struct ch_buffer {
    uint8_t *data;
    size_t length;
} ch_buffer;

/** A custom function's address, cast to this type in the function table; the
 *  host calls it with the declared signature. */
typedef void (*ch_custom_fn)(void);

/**
 * Version 3. The context of one custom-function call, passed to a function
 * whose first declared parameter type is CH_TYPE_CONTEXT; owned by the host,
 * valid during the call only. Such a function is a first-class call: it runs
 * in a session like a standard operation and fails like one.
 *
 *     static int64_t open_count(ch_function_context *context, const char *type) {
 *         if (host->is_cancelled(context->call)) {
 *             context->status = CH_STATUS_TRANSIENT;
 *             return 0;
 *         }
 *         my_state *state = context->session->state;
 *         ...
 *     }
 *     static const ch_value_type open_count_parameters[] = {CH_TYPE_CONTEXT, CH_TYPE_STRING};
 *
 * The session is the one the caller's settings open (session.open is called
 * with them first when no session is open for them yet; sessions are shared
 * with the standard operations of the same settings). When the function sets
 * status to CH_STATUS_UNAUTHORIZED, the host opens a new session and calls
 * it once more, as for a standard operation.
 *
 * To fail, the function sets status to a negative ch_status, and may set
 * message; the caller then receives the error that status maps to, exactly as
 * for a standard operation (CH_STATUS_TRANSIENT is retried under the plugin's
 * policy). The return value of a failed call is ignored; a returned string or
 * buffer is still freed.
 */
typedef struct ch_function_context {
    /** sizeof(ch_function_context) as the host was compiled. */
    uint32_t struct_size;
    /** Set by the function with CH_STATUS_RATE_LIMITED: how long the end
     *  system asks callers to wait, in milliseconds (0: unknown). */
    uint32_t retry_after_ms;
    /** The session the call runs in; its state is the plugin's, as set by
     *  session.open. Never NULL. */
    ch_session *session;
    /** The caller's session settings, the same JSON array session.open
     *  receives, UTF-8, NOT NUL-terminated; "[]" when the caller gave none.
     *  Values marked sensitive must never be logged. */
    const uint8_t *settings;
    size_t settings_length;
    /** Pass to ch_host_api.is_cancelled and time_remaining_ns. */
    const ch_call *call;
    /** CH_STATUS_OK when the call starts; the function sets a negative
     *  ch_status to fail. */
    ch_status status;
    uint32_t reserved;
    /** With a failing status: optional NUL-terminated UTF-8 text saying what
     *  was wrong, allocated with ch_host_api.allocate; the host frees it. */
    char *message;
} ch_function_context;

/** The size of a version 3 function context: the end of message. */
#define CH_FUNCTION_CONTEXT_SIZE_V3 \
    ((uint32_t)(offsetof(ch_function_context, message) + sizeof(char *)))

/* ------------------------------------------------------------------------- */
/* Function table                                                            */
/* ------------------------------------------------------------------------- */

/**
 * One entry of the function table. Exactly one of operation and custom is
 * non-NULL.
 *
 * Every function carries an entity ID from the plugin's registered function
 * range, the way each Jitterbit activity gets an ID from its connector's
 * range; callers may address a function by that ID or by its name.
 */
typedef struct ch_function {
    /** Inside [function_entity_start_id, function_entity_end_id]; unique. */
    int64_t entity_id;
    /** A standard operation name (CH_OP_*) or, for a custom function, any
     *  other name; NUL-terminated, unique within the plugin. */
    const char *name;
    /** Set for a standard operation. */
    ch_operation_fn operation;
    /** Set for a custom function. */
    ch_custom_fn custom;
    /** Custom functions only: the C return type. */
    ch_value_type return_type;
    /** Custom functions only: how many parameters (at most
     *  CH_MAX_PARAMETERS). */
    uint32_t parameter_count;
    /** Custom functions only: parameter_count parameter types (never
     *  CH_TYPE_VOID or CH_TYPE_BUFFER; CH_TYPE_CONTEXT only first). */
    const ch_value_type *parameter_types;

    /* --- version 2 and later --- */

    /** CH_FUNCTION_* flags. */
    uint32_t flags;
} ch_function;

/** ch_function.flags: calling the custom function twice has the effect of
 *  calling it once, so the host may repeat a call that timed out or whose
 *  worker crashed (it may already have reached the end system). Without it a
 *  custom function is never repeated after such a failure. Standard
 *  operations are judged by name: entity.create, comment.add and
 *  attachment.create never are, every other one may be. */
#define CH_FUNCTION_IDEMPOTENT 0x1u

/** The size of a version 1 function entry: the end of parameter_types. */
#define CH_FUNCTION_SIZE_V1 \
    ((uint32_t)(offsetof(ch_function, parameter_types) + sizeof(const ch_value_type *)))
/** The size of a version 2 function entry: the end of flags. */
#define CH_FUNCTION_SIZE_V2 ((uint32_t)(offsetof(ch_function, flags) + sizeof(uint32_t)))

/* ------------------------------------------------------------------------- */
/* Resilience defaults                                                       */
/* ------------------------------------------------------------------------- */

/** Retry backoff shapes for ch_resilience.backoff. */
enum {
    CH_BACKOFF_DEFAULT = 0,
    /** Wait retry_delay_ms between attempts. */
    CH_BACKOFF_NONE = 1,
    /** Wait retry_delay_ms times the attempt number. */
    CH_BACKOFF_LINEAR = 2,
    /** Wait retry_delay_ms times 2^(attempt - 1). */
    CH_BACKOFF_EXPONENTIAL = 3
};

/** Jitter switch for ch_resilience.jitter. */
enum {
    CH_JITTER_DEFAULT = 0,
    CH_JITTER_OFF = 1,
    /** Each wait is drawn uniformly from [0, computed wait]. */
    CH_JITTER_ON = 2
};

/** ch_resilience.max_retries value that asks for no retries at all. */
#define CH_NO_RETRIES (-1)

/**
 * The resilience policy a plugin suggests for itself. Every field left 0 means
 * "the host's default"; host configuration overrides what is set here.
 * Defaults: timeout 30 s, 3 retries, 1 s delay, exponential backoff, 60 calls
 * per minute, breaker opens after 5 consecutive failures and probes after
 * 30 s.
 */
typedef struct ch_resilience {
    /** sizeof(ch_resilience) as the plugin was compiled. */
    uint32_t struct_size;
    /** Time limit of one attempt. */
    uint32_t timeout_ms;
    /** Retries after the first attempt (N retries: at most N + 1 attempts);
     *  CH_NO_RETRIES for none. */
    int32_t max_retries;
    uint32_t retry_delay_ms;
    /** CH_BACKOFF_*. */
    uint32_t backoff;
    /** CH_JITTER_*. */
    uint32_t jitter;
    /** Upper bound of any single wait between attempts. */
    uint32_t backoff_cap_ms;
    /** Calls admitted in any rolling 60-second window. */
    uint32_t rate_limit_per_minute;
    /** Calls running at once (bulkhead). */
    uint32_t max_concurrent_calls;
    /** Consecutive failures that open the circuit breaker. */
    uint32_t breaker_threshold;
    /** Time the breaker stays open before one probe call is let through. */
    uint32_t breaker_recovery_ms;
    /** Sandbox worker limits: address space in MiB, CPU seconds, open
     *  files. */
    uint32_t memory_limit_mb;
    uint32_t cpu_limit_seconds;
    uint32_t open_files_limit;
} ch_resilience;

/** The size of a version 1 (and 2) resilience block: the end of open_files_limit. */
#define CH_RESILIENCE_SIZE_V1 ((uint32_t)(offsetof(ch_resilience, open_files_limit) + sizeof(uint32_t)))

/* ------------------------------------------------------------------------- */
/* Descriptor                                                                */
/* ------------------------------------------------------------------------- */

/** ch_plugin_descriptor.flags: calls may run concurrently on any thread, also
 *  within one session. Without it the host makes one call at a time. */
#define CH_PLUGIN_THREAD_SAFE 0x1u

/** ch_plugin_descriptor.flags: some entity type answers
 *  "recovery": {"type": "HISTORY_BASED"} in entity_type.get, so the plugin
 *  MUST implement "history.list"; the host rejects it at load otherwise, and
 *  rejects an entity_type.get answer claiming HISTORY_BASED without the flag. */
#define CH_PLUGIN_HISTORY_RECOVERY 0x2u

/**
 * What the entry point returns: identity, manifest, metadata and function
 * table. The first three fields never move in any version.
 *
 * The manifest mirrors a Jitterbit connector registration: name and version in,
 * key, secret and the entity IDs out (see the host's registration API). All
 * strings are NUL-terminated UTF-8 and must stay valid while the image is
 * loaded.
 */
typedef struct ch_plugin_descriptor {
    /** CH_PLUGIN_MAGIC. */
    uint32_t magic;
    /** The ABI version this descriptor follows (normally CH_ABI_VERSION). */
    uint32_t abi_version;
    /** sizeof(ch_plugin_descriptor) as the plugin was compiled. */
    uint32_t struct_size;
    /** CH_PLUGIN_* flags. */
    uint32_t flags;

    /* --- version 1 and later --- */

    /** The connector's name: unique on a host; what callers address. */
    const char *name;
    /** The connector's version, e.g. "1.2.0". */
    const char *version;
    /** The key and secret of the connector's registration. The host validates
     *  them against its registry and never displays the secret. */
    const char *key;
    const char *secret;
    /** The entity ID of the connector's endpoint (its connection). Positive
     *  and outside the function range. */
    int64_t endpoint_entity_id;
    /** The inclusive range of entity IDs the functions take theirs from. */
    int64_t function_entity_start_id;
    int64_t function_entity_end_id;

    /** Descriptive metadata for the catalogue; each may be NULL. */
    const char *type;        /* e.g. "source", "destination", "both" */
    const char *category;    /* e.g. "issue-tracker", "crm" */
    const char *description;
    const char *licence;     /* e.g. an SPDX identifier: "Apache-2.0" */
    const char *owner;
    const char *icon_url;
    /** Optional JSON Schema (text) of the connector's configuration form;
     *  properties carrying "encrypt": true hold secrets. NULL for none. */
    const char *ui_spec;

    /** With CH_PLUGIN_THREAD_SAFE: the most calls the plugin takes at once
     *  (0: no limit of its own). Ignored without the flag (one at a time). */
    uint32_t max_concurrency;
    /** sizeof(ch_function) as the plugin was compiled: the stride of
     *  functions[]. 0 means sizeof(ch_function) of this descriptor's
     *  abi_version (version 2 and later); a plugin built against a newer header
     *  that returns an older abi_version MUST set it. */
    uint32_t function_size;
    /** The function table: function_count entries. */
    const ch_function *functions;
    size_t function_count;

    /** Optional suggested resilience policy; NULL for the host's defaults. */
    const ch_resilience *resilience;
} ch_plugin_descriptor;

/**
 * The exported entry point, named CH_PLUGIN_ENTRY_SYMBOL. Called before any
 * other function of the plugin, possibly more than once (see "Life cycle").
 *
 * @param host The host's API table; valid while the image is loaded.
 * @return The plugin's descriptor (valid while the image is loaded), or NULL
 *         to refuse loading (log why through host->log first).
 */
typedef const ch_plugin_descriptor *(*ch_plugin_entry_fn)(const ch_host_api *host);

/** The size of a version 1 (and 2) descriptor: the end of resilience. */
#define CH_DESCRIPTOR_SIZE_V1 \
    ((uint32_t)(offsetof(ch_plugin_descriptor, resilience) + sizeof(const ch_resilience *)))

/** Initialises the fields of a ch_plugin_descriptor that identify this
 *  header's version; use as the first designated initialisers:
 *      static const ch_plugin_descriptor d = { CH_DESCRIPTOR_HEADER, ... };
 *  C++ (C++20, or C++17 with designated initialisers as an extension) wants
 *  them in declaration order, so there it leaves function_size 0 (see
 *  function_size); in C it sets function_size too, as version 1 did. */
#ifdef __cplusplus
#define CH_DESCRIPTOR_HEADER                                                  \
    .magic = CH_PLUGIN_MAGIC, .abi_version = CH_ABI_VERSION,                 \
    .struct_size = (uint32_t)sizeof(ch_plugin_descriptor)
#else
#define CH_DESCRIPTOR_HEADER                                                  \
    .magic = CH_PLUGIN_MAGIC, .abi_version = CH_ABI_VERSION,                 \
    .struct_size = (uint32_t)sizeof(ch_plugin_descriptor),                   \
    .function_size = (uint32_t)sizeof(ch_function)
#endif

/** Initialises .functions and .function_count from a static array, in their
 *  declaration order; works in C and C++:
 *      { CH_DESCRIPTOR_HEADER, .name = ..., ..., CH_FUNCTION_TABLE(functions) } */
#define CH_FUNCTION_TABLE(array) .functions = (array), .function_count = CH_COUNT(array)

/** The number of entries of a function-table array. */
#define CH_COUNT(array) (sizeof(array) / sizeof((array)[0]))

#ifdef __cplusplus
}
#endif

#endif /* CONNECTOR_HOST_H */
