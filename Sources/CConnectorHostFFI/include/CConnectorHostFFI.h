/* Calling a plugin's custom function with the C signature its descriptor
 * declares, through libffi. */
#ifndef CCONNECTORHOSTFFI_H
#define CCONNECTORHOSTFFI_H

#include <stdint.h>

/* Calls function with return type return_type and parameter_count parameters
 * of parameter_types (CH_TYPE_* values of connector_host.h). arguments[i]
 * points at a value of the i-th parameter's C type; result points at storage
 * for the return value, at least 16 bytes and aligned for a ch_buffer, where
 * the value is written as its exact C type.
 * Returns 0, or -1 when a type is unknown or libffi cannot prepare the call. */
int CConnectorHostFFI_call(void (*function)(void), uint32_t return_type, uint32_t parameter_count,
                           const uint32_t *parameter_types, void **arguments, void *result);

#endif
