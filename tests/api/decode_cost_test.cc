// The timing-free CI check of decode cost (bench/README.md, "JSON decode"): instructions per byte
// of DecodePod, counted by callgrind, must stay within 1.5x of a plain simdjson DOM parse of the
// same generated pods. Instruction counts do not depend on machine load.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace {

constexpr double kMaxRatio = 1.5;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

struct Cost {
  double instructions = 0;
  double bytes = 0;
};

class DecodeCostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/resizelet_decode_cost_XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    for (const char* f : {"out", "log", "stdout", "version"}) {
      std::remove((dir_ + "/" + f).c_str());
    }
    rmdir(dir_.c_str());
  }

  // Runs the probe under callgrind (with a deadline) on the pod of `kb` KB and reads the
  // instruction total.
  void Measure(const std::string& mode, int kb, Cost& cost) {
    const std::string out = dir_ + "/out";
    const std::string cmd =
        "timeout 300 valgrind --tool=callgrind --collect-atstart=no "
        "--callgrind-out-file=" +
        out + " " + RESIZELET_DECODE_COST_PROBE + " " + mode + " " + std::to_string(kb) + " >" +
        dir_ + "/stdout 2>" + dir_ + "/log";
    const int rc = std::system(cmd.c_str());
    ASSERT_EQ(rc, 0) << cmd << "\n" << ReadFile(dir_ + "/log");
    std::istringstream stdout_text(ReadFile(dir_ + "/stdout"));
    std::string word;
    stdout_text >> word >> cost.bytes;
    ASSERT_EQ(word, "bytes");
    ASSERT_GT(cost.bytes, 0);
    std::istringstream lines(ReadFile(out));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("totals:", 0) == 0) cost.instructions = std::strtod(line.c_str() + 7, nullptr);
    }
    ASSERT_GT(cost.instructions, 0) << "no totals in " << out;
  }

  std::string dir_;
};

TEST_F(DecodeCostTest, DecodePodInstructionsPerByteWithinBudgetOfDomParse) {
  // A missing valgrind is a failure, never a skip (docs/testing.md, "Rules").
  const int have = std::system(("valgrind --version >" + dir_ + "/version 2>&1").c_str());
  ASSERT_EQ(have, 0) << "valgrind is missing: install it (apt-get install valgrind; "
                        "scripts/install-deps.sh fuzz) to run the decode cost check";

  // The pod sizes of bench/api (docs: bench/README.md), each checked on its own so that the
  // per-pod fixed cost of small pods cannot hide behind large ones.
  for (int kb : {5, 14, 70}) {
    Cost dom, decode;
    ASSERT_NO_FATAL_FAILURE(Measure("dom", kb, dom));
    ASSERT_NO_FATAL_FAILURE(Measure("decode", kb, decode));
    ASSERT_EQ(dom.bytes, decode.bytes);
    const double dom_per_byte = dom.instructions / dom.bytes;
    const double decode_per_byte = decode.instructions / decode.bytes;
    const double ratio = decode_per_byte / dom_per_byte;
    const std::string size = std::to_string(kb) + "KB";
    RecordProperty("dom_instructions_per_byte_" + size, std::to_string(dom_per_byte));
    RecordProperty("decode_instructions_per_byte_" + size, std::to_string(decode_per_byte));
    RecordProperty("ratio_" + size, std::to_string(ratio));
    std::printf(
        "%2d KB pod: DOM parse %.2f instr/byte, DecodePod %.2f instr/byte, ratio %.3f "
        "(limit %.2f)\n",
        kb, dom_per_byte, decode_per_byte, ratio, kMaxRatio);
    EXPECT_LE(ratio, kMaxRatio) << size << " pod";
  }
}

}  // namespace
