// A minimal HTTP/1.1 client over a plain socket, for tests that must not trust the server's own
// library to read its responses.
#ifndef RESIZELET_TESTS_OBS_HTTP_GET_H_
#define RESIZELET_TESTS_OBS_HTTP_GET_H_

#include <string>

namespace resizelet::obs::testing {

struct Response {
  int status = 0;  // 0: no well-formed response
  std::string head;
  std::string body;
};

// A connected TCP socket to 127.0.0.1:port with 5 s send/receive timeouts, or -1.
int Connect(int port);

// GET `target` with Connection: close, read to the end.
Response Get(int port, const std::string& target);

// A port that was free a moment ago (bound to 0, then closed).
int FreePort();

}  // namespace resizelet::obs::testing

#endif  // RESIZELET_TESTS_OBS_HTTP_GET_H_
