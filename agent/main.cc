// resizelet's entry point: only wiring.
#include <iostream>
#include <string>
#include <vector>

#include "agent/cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return resizelet::cli::RunCli(args, std::cout, std::cerr);
}
