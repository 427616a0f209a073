#include "CConnectorHostFFI.h"

#include <ffi.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connector_host.h"

/* ch_buffer as libffi sees it: a pointer and a size_t, returned by value. */
#if SIZE_MAX == UINT64_MAX
static ffi_type *buffer_elements[] = {&ffi_type_pointer, &ffi_type_uint64, NULL};
#else
static ffi_type *buffer_elements[] = {&ffi_type_pointer, &ffi_type_uint32, NULL};
#endif
static ffi_type buffer_type = {0, 0, FFI_TYPE_STRUCT, buffer_elements};

/* libffi fills in a struct type's size and alignment the first time it is
 * prepared; do that once, before any two threads could race to. */
static pthread_once_t buffer_type_once = PTHREAD_ONCE_INIT;
static void lay_out_buffer_type(void) {
    ffi_cif cif;
    ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &buffer_type, NULL);
}

static ffi_type *type_of(uint32_t type) {
    switch (type) {
    case CH_TYPE_VOID: return &ffi_type_void;
    /* C99 _Bool is passed and returned like an unsigned char. */
    case CH_TYPE_BOOL: return &ffi_type_uint8;
    case CH_TYPE_INT8: return &ffi_type_sint8;
    case CH_TYPE_UINT8: return &ffi_type_uint8;
    case CH_TYPE_INT16: return &ffi_type_sint16;
    case CH_TYPE_UINT16: return &ffi_type_uint16;
    case CH_TYPE_INT32: return &ffi_type_sint32;
    case CH_TYPE_UINT32: return &ffi_type_uint32;
    case CH_TYPE_INT64: return &ffi_type_sint64;
    case CH_TYPE_UINT64: return &ffi_type_uint64;
    case CH_TYPE_FLOAT: return &ffi_type_float;
    case CH_TYPE_DOUBLE: return &ffi_type_double;
    case CH_TYPE_STRING:
    case CH_TYPE_CONTEXT: return &ffi_type_pointer;
    case CH_TYPE_BUFFER:
        pthread_once(&buffer_type_once, lay_out_buffer_type);
        return &buffer_type;
    default: return NULL;
    }
}

int CConnectorHostFFI_call(void (*function)(void), uint32_t return_type, uint32_t parameter_count,
                           const uint32_t *parameter_types, void **arguments, void *result) {
    if (parameter_count > CH_MAX_PARAMETERS) return -1;
    ffi_type *types[CH_MAX_PARAMETERS];
    for (uint32_t index = 0; index < parameter_count; index++) {
        types[index] = type_of(parameter_types[index]);
        if (!types[index] || parameter_types[index] == CH_TYPE_VOID || parameter_types[index] == CH_TYPE_BUFFER)
            return -1;
        if (parameter_types[index] == CH_TYPE_CONTEXT && index > 0) return -1;
    }
    ffi_type *returned = type_of(return_type);
    if (!returned || return_type == CH_TYPE_CONTEXT) return -1;
    ffi_cif cif;
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, parameter_count, returned, types) != FFI_OK) return -1;

    /* libffi widens integral results narrower than a register to ffi_arg. */
    union {
        ffi_arg integral;
        float single;
        double real;
        void *pointer;
        ch_buffer buffer;
    } value;
    memset(&value, 0, sizeof value);
    ffi_call(&cif, function, &value, arguments);

    switch (return_type) {
    case CH_TYPE_VOID: break;
    case CH_TYPE_BOOL:
    case CH_TYPE_UINT8: *(uint8_t *)result = (uint8_t)value.integral; break;
    case CH_TYPE_INT8: *(int8_t *)result = (int8_t)value.integral; break;
    case CH_TYPE_INT16: *(int16_t *)result = (int16_t)value.integral; break;
    case CH_TYPE_UINT16: *(uint16_t *)result = (uint16_t)value.integral; break;
    case CH_TYPE_INT32: *(int32_t *)result = (int32_t)value.integral; break;
    case CH_TYPE_UINT32: *(uint32_t *)result = (uint32_t)value.integral; break;
    case CH_TYPE_INT64: *(int64_t *)result = (int64_t)value.integral; break;
    case CH_TYPE_UINT64: *(uint64_t *)result = (uint64_t)value.integral; break;
    case CH_TYPE_FLOAT: *(float *)result = value.single; break;
    case CH_TYPE_DOUBLE: *(double *)result = value.real; break;
    case CH_TYPE_STRING: *(void **)result = value.pointer; break;
    case CH_TYPE_BUFFER: *(ch_buffer *)result = value.buffer; break;
    }
    return 0;
}
