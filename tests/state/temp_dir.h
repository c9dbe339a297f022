// A private temporary directory, removed with everything in it at scope exit.
#ifndef RESIZELET_TESTS_STATE_TEMP_DIR_H_
#define RESIZELET_TESTS_STATE_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace resizelet::state {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "resizelet-state-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace resizelet::state

#endif  // RESIZELET_TESTS_STATE_TEMP_DIR_H_
