// generate_pods DIR: writes pod_5k.json, pod_14k.json and pod_70k.json (the decode benchmark's
// inputs) into DIR.
#include <cstdio>
#include <fstream>
#include <string>

#include "bench/api/pod_generator.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  for (int kb : {5, 14, 70}) {
    const std::string path = std::string(argv[1]) + "/pod_" + std::to_string(kb) + "k.json";
    std::ofstream out(path, std::ios::binary);
    out << resizelet::bench::GeneratePodJsonOfSize(static_cast<size_t>(kb) * 1024);
    if (!out.good()) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
    std::printf("%s\n", path.c_str());
  }
  return 0;
}
