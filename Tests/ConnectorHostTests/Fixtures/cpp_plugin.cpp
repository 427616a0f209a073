// A connector written in C++ from the header alone: CH_DESCRIPTOR_HEADER and
// CH_FUNCTION_TABLE in declaration order, as C++ designated initialisers
// require. Built with -std=c++17 and -std=c++20 by the Makefile.
#include <cstring>

#include "connector_host.h"

namespace {
const ch_host_api *host = nullptr;

ch_status answer(ch_session *, const ch_request *request, ch_response *response) {
    const char *json = std::strcmp(request->operation, CH_OP_SERVER_INFO) == 0
                           ? "{\"timeZone\":\"UTC\",\"locale\":\"en_US\",\"maxResults\":10,\"language\":\"c++\"}"
                           : "{}";
    std::size_t length = std::strlen(json);
    auto *body = static_cast<uint8_t *>(host->allocate(length));
    if (!body) return CH_STATUS_TRANSIENT;
    std::memcpy(body, json, length);
    response->body = body;
    response->body_length = length;
    return CH_STATUS_OK;
}

const ch_function functions[] = {
    {.entity_id = 950002, .name = CH_OP_SESSION_OPEN, .operation = answer},
    {.entity_id = 950003, .name = CH_OP_SESSION_CLOSE, .operation = answer},
    {.entity_id = 950004, .name = CH_OP_METADATA_GET, .operation = answer},
    {.entity_id = 950005, .name = CH_OP_SERVER_INFO, .operation = answer},
    {.entity_id = 950006, .name = CH_OP_ENTITY_TYPE_LIST, .operation = answer},
    {.entity_id = 950007, .name = CH_OP_LOOKUP_VALUES, .operation = answer},
    {.entity_id = 950008, .name = CH_OP_ENTITY_GET, .operation = answer},
    {.entity_id = 950009, .name = CH_OP_ENTITY_CREATE, .operation = answer},
    {.entity_id = 950010, .name = CH_OP_ENTITY_UPDATE, .operation = answer},
    {.entity_id = 950011, .name = CH_OP_ENTITY_LIST, .operation = answer},
    {.entity_id = 950012, .name = CH_OP_ENTITY_DELETE, .operation = answer},
};

const ch_plugin_descriptor descriptor = {
    CH_DESCRIPTOR_HEADER,
    .name = CPP_NAME,
    .version = "1.0.0",
    .key = "cpp-key",
    .secret = "cpp-secret",
    .endpoint_entity_id = 950001,
    .function_entity_start_id = 950002,
    .function_entity_end_id = 950100,
    .description = "Written in C++.",
    CH_FUNCTION_TABLE(functions),
};
}  // namespace

extern "C" CH_EXPORT const ch_plugin_descriptor *connector_host_plugin(const ch_host_api *api) {
    host = api;
    return &descriptor;
}
