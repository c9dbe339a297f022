// Status propagation helpers. abseil 20220623 (Debian bookworm) has no RETURN_IF_ERROR or
// ASSIGN_OR_RETURN, so resizelet carries its own.
#ifndef RESIZELET_AGENT_COMMON_STATUS_MACROS_H_
#define RESIZELET_AGENT_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RESIZELET_STATUS_CONCAT_INNER_(a, b) a##b
#define RESIZELET_STATUS_CONCAT_(a, b) RESIZELET_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function with the status of `expr` when it is not OK.
#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    const ::absl::Status resizelet_status_ = (expr);       \
    if (!resizelet_status_.ok()) return resizelet_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(lhs, expr)`: evaluates `expr` (an absl::StatusOr<T>); on error returns its
// status, else moves the value into `lhs` (which may be a declaration).
#define ASSIGN_OR_RETURN(lhs, expr)                                                              \
  RESIZELET_ASSIGN_OR_RETURN_IMPL_(RESIZELET_STATUS_CONCAT_(resizelet_statusor_, __LINE__), lhs, \
                                   expr)
#define RESIZELET_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                     \
  if (!statusor.ok()) return std::move(statusor).status();    \
  lhs = *std::move(statusor)

#endif  // RESIZELET_AGENT_COMMON_STATUS_MACROS_H_
