// resizelet-apiserver: the local Kubernetes API server as a process (for the demo and for tests
// that drive it from outside). Writes <state-dir>/kubeconfig, prints one line
// `ready <url> <kubeconfig>` on stdout, serves until SIGINT or SIGTERM.
//
//   resizelet-apiserver --state-dir DIR [--port N] [--git-version v1.33.1] [--token T]
//                       [--cert-file F --key-file F] [--bookmark-interval-ms N]
//                       [--client-ca-file F]
//
// --client-ca-file turns on client certificate authentication (user = CN, groups = O) next to
// the bearer tokens; off by default.
//
// Faults and the request log are under /admin/ with the admin token from <state-dir>/admin-token:
// POST /admin/fail {"code":429,"count":1,"method":"PATCH","match":"/status","retryAfterSeconds":1},
// /admin/cut-watches {"count":1}, /admin/drop-watches, /admin/expire-next-watch,
// /admin/stall {"stall":true}, /admin/compact, /admin/tokens {"tokens":[...]};
// GET|DELETE /admin/requests.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "tests/apiserver/api_server.h"

int main(int argc, char** argv) {
  resizelet::apiserver::ApiServerOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "resizelet-apiserver: " << name << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--port") {
      options.port = std::atoi(value("--port"));
    } else if (arg == "--git-version") {
      options.git_version = value("--git-version");
    } else if (arg == "--token") {
      options.token = value("--token");
    } else if (arg == "--state-dir") {
      options.state_dir = value("--state-dir");
    } else if (arg == "--cert-file") {
      options.cert_file = value("--cert-file");
    } else if (arg == "--key-file") {
      options.key_file = value("--key-file");
    } else if (arg == "--client-ca-file") {
      const char* path = value("--client-ca-file");
      std::ifstream f(path, std::ios::binary);
      std::string pem((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      if (!f || pem.empty()) {
        std::cerr << "resizelet-apiserver: cannot read " << path << "\n";
        return 2;
      }
      options.client_ca_pem = pem;
    } else if (arg == "--bookmark-interval-ms") {
      options.bookmark_interval =
          std::chrono::milliseconds(std::atoi(value("--bookmark-interval-ms")));
    } else {
      std::cerr << "resizelet-apiserver: unknown flag " << arg << "\n";
      return 2;
    }
  }
  if (options.state_dir.empty()) {
    std::cerr << "resizelet-apiserver: --state-dir is required\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  auto server = resizelet::apiserver::ApiServer::Start(options);
  if (!server.ok()) {
    std::cerr << "resizelet-apiserver: " << server.status() << "\n";
    return 1;
  }
  {
    std::ofstream admin(options.state_dir + "/admin-token", std::ios::trunc);
    admin << (*server)->admin_token() << "\n";
  }
  std::cout << "ready " << (*server)->url() << " " << (*server)->kubeconfig_path() << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->Stop();
  return 0;
}
