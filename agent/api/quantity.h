// Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity), parsed and formatted
// exactly, without floating point.
//
// Grammar: <signedNumber><suffix>; the number is digits with an optional '.' fraction ("5.", ".5"
// are valid); the suffix is decimal SI (n u m "" k M G T P E), binary SI (Ki Mi Gi Ti Pi Ei) or a
// decimal exponent (e<int> / E<int>).
//
// Unlike Go's parser this one never wraps, truncates or loses the sign (facts.md §1): inputs longer
// than kMaxQuantityLength bytes, exponents beyond ±kMaxQuantityExponent and values whose
// milli-value does not fit in int64 are "out of range" errors. As in apimachinery, values finer
// than 1n round away from zero to a whole nano ("0.1n" -> "1n"). Errors are InvalidArgument:
// `invalid quantity "12Qi"`, `invalid quantity "100E": out of range`.
#ifndef RESIZELET_AGENT_API_QUANTITY_H_
#define RESIZELET_AGENT_API_QUANTITY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace resizelet::api {

inline constexpr int kMaxQuantityLength = 64;
inline constexpr int kMaxQuantityExponent = 30;

// The notation a quantity was written in; its canonical form keeps it.
enum class QuantityFormat { kDecimalSI, kBinarySI, kDecimalExponent };

class Quantity {
 public:
  // Zero, decimal SI.
  Quantity() = default;

  // Parses `text`. Errors (InvalidArgument) say what is wrong with the text; callers prefix the
  // field path.
  static absl::StatusOr<Quantity> Parse(std::string_view text);

  // Builders for values computed by resizelet (canonical format given explicitly). Values
  // beyond the range (|milli-value| > INT64_MAX) saturate at its bound, never wrap.
  static Quantity FromMilli(int64_t milli, QuantityFormat format = QuantityFormat::kDecimalSI);
  static Quantity FromInt(int64_t value, QuantityFormat format = QuantityFormat::kDecimalSI);

  // Parse for the shapes the API server nearly always sends (plain digits and at most one of the
  // suffixes n u m k M G Ki Mi Gi: "100m", "128Mi", "2"): true with the value Parse would give in
  // `out`; false for anything else (`out` unchanged), which Parse then accepts or refuses. Lets a
  // decoder of dozens of quantities skip the StatusOr on its common path.
  static bool ParseCommon(std::string_view text, Quantity& out);

  // The largest magnitude a Quantity holds: a milli-value of INT64_MAX (about 9.2P).
  static Quantity Max(QuantityFormat format = QuantityFormat::kDecimalSI);

  // The value in thousandths, rounded up in magnitude (away from zero, as apimachinery's
  // ScaledValue does): "0.1m" -> 1, "0.5" -> 500, "-0.1m" -> -1.
  int64_t MilliValue() const;
  // The value in whole units, rounded up in magnitude like MilliValue(): bytes for memory.
  int64_t Value() const;

  // Saturating arithmetic; the result keeps this quantity's format.
  Quantity Add(const Quantity& other) const;
  Quantity Sub(const Quantity& other) const;

  bool IsZero() const;
  bool IsNegative() const;
  QuantityFormat format() const { return format_; }

  // The canonical form (Quantity.String()): keeps the format and uses the largest suffix that
  // keeps an integer: "0.1" -> "100m", "1.5Gi" -> "1536Mi", "1e3" -> "1e3".
  std::string String() const;

  // Compares values (not formats).
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.Compare(b) == 0; }
  friend bool operator!=(const Quantity& a, const Quantity& b) { return a.Compare(b) != 0; }
  friend bool operator<(const Quantity& a, const Quantity& b) { return a.Compare(b) < 0; }
  int Compare(const Quantity& other) const;

 private:
  explicit Quantity(__int128 nanos, QuantityFormat format) : nanos_(nanos), format_(format) {}

  // The exact value in units of 10^-9, the finest precision Kubernetes keeps (apimachinery
  // rounds every parsed value away from zero to a whole nano, so "0.1n" is 1n there too).
  // |nanos_| <= kMaxNanos keeps MilliValue() and Value() within int64.
  __int128 nanos_ = 0;
  QuantityFormat format_ = QuantityFormat::kDecimalSI;
};

}  // namespace resizelet::api

#endif  // RESIZELET_AGENT_API_QUANTITY_H_
