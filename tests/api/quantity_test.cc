// Vectors from docs/facts.md §1 and apimachinery's resource.Quantity behaviour.
#include "agent/api/quantity.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::api {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

Quantity MustParse(std::string_view text) {
  absl::StatusOr<Quantity> q = Quantity::Parse(text);
  EXPECT_THAT(q, IsOk()) << text;
  return q.ok() ? *q : Quantity();
}

struct CanonicalCase {
  std::string input;
  std::string canonical;
  int64_t milli;
};

class CanonicalTest : public ::testing::TestWithParam<CanonicalCase> {};

TEST_P(CanonicalTest, ParsesAndFormats) {
  const CanonicalCase& c = GetParam();
  absl::StatusOr<Quantity> q = Quantity::Parse(c.input);
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->String(), c.canonical);
  EXPECT_EQ(q->MilliValue(), c.milli);
  // The canonical form parses back to the same value and the same text.
  absl::StatusOr<Quantity> again = Quantity::Parse(q->String());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, *q);
  EXPECT_EQ(again->String(), c.canonical);
}

INSTANTIATE_TEST_SUITE_P(
    FactsSection1, CanonicalTest,
    ::testing::Values(
        // docs/facts.md §1, verbatim.
        CanonicalCase{"0.1", "100m", 100}, CanonicalCase{"0.5", "500m", 500},
        CanonicalCase{"1000m", "1", 1000}, CanonicalCase{"1.5Gi", "1536Mi", 1610612736000},
        CanonicalCase{"1024Mi", "1Gi", 1073741824000},
        CanonicalCase{"0.5Gi", "512Mi", 536870912000}, CanonicalCase{"129M", "129M", 129000000000},
        CanonicalCase{"1536", "1536", 1536000}, CanonicalCase{"1e3", "1e3", 1000000},
        // 0.1m rounds up to 1m; the canonical form keeps the exact value.
        CanonicalCase{"0.1m", "100u", 1},
        // apimachinery: binary values below 1024 or not whole units print as decimal SI.
        CanonicalCase{"0.5Ki", "512", 512000}, CanonicalCase{"1.1Ki", "1126400m", 1126400},
        CanonicalCase{"1Ki", "1Ki", 1024000}, CanonicalCase{"1024Ki", "1Mi", 1048576000},
        CanonicalCase{"-2Ki", "-2Ki", -2048000}, CanonicalCase{"1023", "1023", 1023000},
        // Decimal SI picks the largest suffix that keeps an integer.
        CanonicalCase{"1000", "1k", 1000000}, CanonicalCase{"1500m", "1500m", 1500},
        CanonicalCase{"1.5k", "1500", 1500000}, CanonicalCase{"2000000000n", "2", 2000},
        CanonicalCase{"1n", "1n", 1}, CanonicalCase{"0.1n", "1n", 1},
        CanonicalCase{"250u", "250u", 1}, CanonicalCase{"5.", "5", 5000},
        CanonicalCase{".5", "500m", 500}, CanonicalCase{"+1", "1", 1000},
        CanonicalCase{"-0", "0", 0}, CanonicalCase{"0Gi", "0", 0}, CanonicalCase{"007", "7", 7000},
        CanonicalCase{"-100m", "-100m", -100}, CanonicalCase{"-0.1m", "-100u", -1},
        CanonicalCase{"1P", "1P", 1000000000000000000},
        // Decimal exponent keeps its notation with an exponent that is a multiple of 3.
        CanonicalCase{"1e2", "100", 100000}, CanonicalCase{"1.5e3", "1500", 1500000},
        CanonicalCase{"1e-3", "1e-3", 1}, CanonicalCase{"12e6", "12e6", 12000000000},
        CanonicalCase{"1E3", "1e3", 1000000}, CanonicalCase{"1e+3", "1e3", 1000000},
        CanonicalCase{"1e-30", "1e-9", 1}, CanonicalCase{"0e30", "0", 0},
        // The range bound: a milli-value of exactly INT64_MAX.
        CanonicalCase{"9223372036854775807m", "9223372036854775807m", kInt64Max},
        CanonicalCase{"9223372036854775.807", "9223372036854775807m", kInt64Max},
        CanonicalCase{"-9223372036854775807m", "-9223372036854775807m", -kInt64Max},
        // 64 bytes exactly is accepted; far below 1n rounds up to 1n.
        CanonicalCase{"0.00000000000000000000000000000000000000000000000000000000000001", "1n",
                      1}));

struct TrapCase {
  std::string input;
  bool out_of_range;  // else the exact value below
  int64_t value;
  std::string canonical;
};

class GoParserTrapTest : public ::testing::TestWithParam<TrapCase> {};

// facts.md §1: inputs on which Go's parser wraps, truncates, hangs or loses the sign.
TEST_P(GoParserTrapTest, IsExactOrOutOfRange) {
  const TrapCase& c = GetParam();
  absl::StatusOr<Quantity> q = Quantity::Parse(c.input);
  if (c.out_of_range) {
    EXPECT_THAT(q, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
    return;
  }
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->Value(), c.value);
  EXPECT_EQ(q->IsNegative(), c.value < 0);
  EXPECT_EQ(q->String(), c.canonical);
}

INSTANTIATE_TEST_SUITE_P(
    FactsSection1, GoParserTrapTest,
    ::testing::Values(TrapCase{"100E", true, 0, ""},                       // Go: read as 0
                      TrapCase{"9223372036854775808", true, 0, ""},        // Go: wraps negative
                      TrapCase{"-1E30", true, 0, ""},                      // Go: read as 0
                      TrapCase{"1e4294967297", true, 0, ""},               // Go: truncated to 1e1
                      TrapCase{"2E6024865272343", true, 0, ""},            // Go: hangs
                      TrapCase{"-9.5Gi", false, -10200547328, "-9728Mi"},  // Go: positive
                      // Neighbours of the traps.
                      TrapCase{"1E", true, 0, ""}, TrapCase{"9223372036854775807", true, 0, ""},
                      TrapCase{"9223372036854775808m", true, 0, ""},
                      TrapCase{"-9223372036854775808m", true, 0, ""},
                      TrapCase{"9223372036854775.8071", true, 0, ""}, TrapCase{"8Ei", true, 0, ""},
                      TrapCase{"1e31", true, 0, ""}, TrapCase{"1e-31", true, 0, ""},
                      TrapCase{"0e31", true, 0, ""}, TrapCase{"1e30", true, 0, ""},
                      TrapCase{"1e-99999999999999999999", true, 0, ""},
                      TrapCase{"99999999999999999999999999999999999999999999", true, 0, ""},
                      TrapCase{"0.000000000000000000000000000000000000000000000000000000000000001",
                               true, 0, ""},  // 65 bytes
                      TrapCase{"9223372036854775", false, 9223372036854775, "9223372036854775"},
                      TrapCase{"8Pi", false, 9007199254740992, "8Pi"},
                      TrapCase{"-1E", true, 0, ""}));

class MalformedTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedTest, IsInvalidArgumentQuotingTheInput) {
  absl::StatusOr<Quantity> q = Quantity::Parse(GetParam());
  EXPECT_THAT(q, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid quantity")));
}

INSTANTIATE_TEST_SUITE_P(Grammar, MalformedTest,
                         ::testing::Values("", ".", "-", "+", "-.", "1.2.3", "12Qi", "1ki", "1KI",
                                           "1e", "1e+", "1e-", "e3", " 1", "1 ", "0x10", "1e1.5",
                                           "1.5e", "1Gi ", "1Mi1", "--1", "+-1", "1,5", "1_000",
                                           "1mm", "Gi", "1i", std::string("1\0", 2), "1e3k"));

TEST(QuantityTest, ErrorMessageNamesTheText) {
  EXPECT_THAT(Quantity::Parse("12Qi"),
              StatusIs(absl::StatusCode::kInvalidArgument, "invalid quantity \"12Qi\""));
  EXPECT_THAT(Quantity::Parse("100E"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                "invalid quantity \"100E\": out of range"));
  // Control bytes are escaped; very long input is cut.
  EXPECT_THAT(Quantity::Parse("1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "invalid quantity \"1\\n\""));
  absl::StatusOr<Quantity> long_input = Quantity::Parse(std::string(10000, '1'));
  EXPECT_LT(long_input.status().message().size(), 200u);
}

TEST(QuantityTest, MilliValueAndValueRoundUpInMagnitude) {
  EXPECT_EQ(MustParse("0.1m").MilliValue(), 1);
  EXPECT_EQ(MustParse("0.1m").Value(), 1);
  EXPECT_EQ(MustParse("1.5").Value(), 2);
  EXPECT_EQ(MustParse("1.5").MilliValue(), 1500);
  EXPECT_EQ(MustParse("1e3").Value(), 1000);
  EXPECT_EQ(MustParse("0.5Gi").Value(), 536870912);
  EXPECT_EQ(MustParse("128974848").Value(), 128974848);
  EXPECT_EQ(MustParse("-0.1m").MilliValue(), -1);
  EXPECT_EQ(MustParse("-1.5").Value(), -2);
  EXPECT_EQ(MustParse("100m").Value(), 1);
}

TEST(QuantityTest, BinaryWithoutWholePowerOf1024PrintsBare) {
  // apimachinery CanonicalizeBytes: 31.25Ki = 32000 bytes has no factor 1024, so it prints with
  // no suffix; that text then reads as decimal SI ("32k"), as in Go.
  Quantity q = MustParse("31.25Ki");
  EXPECT_EQ(q.String(), "32000");
  EXPECT_EQ(q.format(), QuantityFormat::kBinarySI);
  EXPECT_EQ(MustParse(q.String()), q);
  EXPECT_EQ(MustParse(q.String()).String(), "32k");
  EXPECT_EQ(MustParse("1.5Mi").String(), "1536Ki");
  EXPECT_EQ(MustParse("1.25Ki").String(), "1280");
}

TEST(QuantityTest, FormatIsKept) {
  EXPECT_EQ(MustParse("1Gi").format(), QuantityFormat::kBinarySI);
  EXPECT_EQ(MustParse("1G").format(), QuantityFormat::kDecimalSI);
  EXPECT_EQ(MustParse("1").format(), QuantityFormat::kDecimalSI);
  EXPECT_EQ(MustParse("1e9").format(), QuantityFormat::kDecimalExponent);
  EXPECT_EQ(MustParse("1P").format(), QuantityFormat::kDecimalSI);
  EXPECT_EQ(MustParse("1e9").String(), "1e9");
}

TEST(QuantityTest, Builders) {
  EXPECT_EQ(Quantity::FromMilli(1500).String(), "1500m");
  EXPECT_EQ(Quantity::FromMilli(2000).String(), "2");
  EXPECT_EQ(Quantity::FromMilli(250).MilliValue(), 250);
  EXPECT_EQ(Quantity::FromInt(1073741824, QuantityFormat::kBinarySI).String(), "1Gi");
  EXPECT_EQ(Quantity::FromInt(100).String(), "100");
  EXPECT_EQ(Quantity::FromInt(1000).String(), "1k");
  EXPECT_EQ(Quantity::FromInt(-5).Value(), -5);
  EXPECT_TRUE(Quantity::FromInt(0).IsZero());
  EXPECT_TRUE(Quantity().IsZero());
  EXPECT_EQ(Quantity().String(), "0");
  // Out-of-range builders saturate instead of wrapping.
  EXPECT_EQ(Quantity::FromInt(kInt64Max).MilliValue(), kInt64Max);
  EXPECT_EQ(Quantity::FromInt(std::numeric_limits<int64_t>::min()).MilliValue(), -kInt64Max);
  EXPECT_EQ(Quantity::FromMilli(std::numeric_limits<int64_t>::min()).MilliValue(), -kInt64Max);
  EXPECT_EQ(Quantity::Max().MilliValue(), kInt64Max);
}

// Plain digits with a common suffix take a shortcut in Parse; a leading '+' sends the same value
// through the general grammar. Both must agree on value, notation and range at every boundary.
TEST(QuantityTest, CommonShapesAgreeWithTheGeneralGrammar) {
  for (const char* digits : {"0", "7", "128", "000042", "9223372036854", "9223372036854775",
                             "9223372036854776", "999999999999999999", "1000000000000000000",
                             "9223372036854775807", "18446744073709551615"}) {
    for (const char* suffix : {"", "n", "u", "m", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti"}) {
      const std::string text = std::string(digits) + suffix;
      absl::StatusOr<Quantity> common = Quantity::Parse(text);
      absl::StatusOr<Quantity> general = Quantity::Parse("+" + text);
      ASSERT_EQ(common.ok(), general.ok()) << text;
      if (!common.ok()) {
        EXPECT_THAT(common,
                    StatusIs(absl::StatusCode::kInvalidArgument,
                             absl::StrCat("invalid quantity \"", text, "\": out of range")));
        continue;
      }
      EXPECT_EQ(*common, *general) << text;
      EXPECT_EQ(common->format(), general->format()) << text;
      EXPECT_EQ(common->String(), general->String()) << text;
    }
  }
  EXPECT_EQ(MustParse("128Mi").Value(), 128 << 20);
  EXPECT_EQ(MustParse("250m").MilliValue(), 250);
  EXPECT_EQ(MustParse("9223372036854775").Value(), 9223372036854775);
  EXPECT_THAT(Quantity::Parse("9223372036854776"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
}

// ParseCommon answers exactly as Parse for the shapes it takes, and declines (leaving its output
// alone) everything else, including the shapes Parse accepts through the general grammar.
TEST(QuantityTest, ParseCommonAgreesWithParseOrDeclines) {
  for (const char* text : {"0", "2", "100m", "128Mi", "1Gi", "4Ki", "500u", "7n", "3k", "5M", "6G",
                           "999999999999999999m", "9223372036854775", "000042m"}) {
    Quantity q = Quantity::FromInt(-5);
    ASSERT_TRUE(Quantity::ParseCommon(text, q)) << text;
    const Quantity parsed = MustParse(text);
    EXPECT_EQ(q, parsed) << text;
    EXPECT_EQ(q.format(), parsed.format()) << text;
    EXPECT_EQ(q.String(), parsed.String()) << text;
  }
  for (const char* text :
       {"", "-1", "+1", "1.5", ".5", "1e3", "1E3", "1T", "1Ti", "1Pi", "m", "Mi", "1 ", " 1", "1mi",
        "9223372036854775807", "1000000000000000000", "9999999999999999G", "abc"}) {
    Quantity q = Quantity::FromInt(-5);
    EXPECT_FALSE(Quantity::ParseCommon(text, q)) << text;
    EXPECT_EQ(q, Quantity::FromInt(-5)) << text;
  }
}

TEST(QuantityTest, CompareIsByValueNotFormat) {
  EXPECT_EQ(MustParse("1000m"), MustParse("1"));
  EXPECT_EQ(MustParse("1Ki"), MustParse("1024"));
  EXPECT_EQ(MustParse("1e3"), MustParse("1k"));
  EXPECT_LT(MustParse("1G"), MustParse("1Gi"));
  EXPECT_LT(MustParse("-1"), MustParse("0"));
  EXPECT_LT(MustParse("0.1m"), MustParse("1m"));  // exact, not rounded, in comparisons
  EXPECT_NE(MustParse("100m"), MustParse("101m"));
  EXPECT_EQ(MustParse("2").Compare(MustParse("1")), 1);
  EXPECT_EQ(MustParse("1").Compare(MustParse("2")), -1);
  EXPECT_EQ(MustParse("1").Compare(MustParse("1000m")), 0);
}

TEST(QuantityTest, ArithmeticSaturates) {
  EXPECT_EQ(MustParse("1Gi").Add(MustParse("512Mi")).String(), "1536Mi");
  EXPECT_EQ(MustParse("1").Sub(MustParse("100m")).String(), "900m");
  EXPECT_EQ(Quantity::Max().Add(Quantity::Max()).MilliValue(), kInt64Max);
  EXPECT_EQ(Quantity::FromInt(0).Sub(Quantity::Max()).Sub(Quantity::Max()).MilliValue(),
            -kInt64Max);
}

}  // namespace
}  // namespace resizelet::api
