// A scriptable in-memory KubeClient for unit tests of code that talks to the API (status writer,
// event recorder, sources): records every request and answers through handlers the test sets.
#ifndef RESIZELET_TESTS_KUBE_FAKE_KUBE_CLIENT_H_
#define RESIZELET_TESTS_KUBE_FAKE_KUBE_CLIENT_H_

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "agent/kube/kube_client.h"

namespace resizelet::kube {

class FakeKubeClient : public KubeClient {
 public:
  using Handler = std::function<absl::StatusOr<HttpResponse>(const HttpRequest&)>;
  // Writes the body chunks of a stream through `on_data`; returns the HTTP code.
  using StreamHandler = std::function<absl::StatusOr<int>(
      const HttpRequest&, const std::function<bool(std::string_view)>& on_data)>;

  // Default: every request gets 200 with an empty JSON object.
  void set_handler(Handler h) {
    std::lock_guard<std::mutex> lock(mu_);
    handler_ = std::move(h);
  }
  void set_stream_handler(StreamHandler h) {
    std::lock_guard<std::mutex> lock(mu_);
    stream_handler_ = std::move(h);
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  absl::StatusOr<HttpResponse> Do(const HttpRequest& request) override {
    Handler h;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      h = handler_;
    }
    if (!h) return HttpResponse{200, "{}"};
    return h(request);
  }

  absl::StatusOr<int> Stream(const HttpRequest& request,
                             const std::function<bool(std::string_view)>& on_data, absl::Duration,
                             const std::atomic<bool>* cancel, std::string*) override {
    StreamHandler h;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      h = stream_handler_;
    }
    if (cancel != nullptr && cancel->load()) return absl::CancelledError("cancelled");
    if (!h) return 200;
    return h(request, on_data);
  }

 private:
  mutable std::mutex mu_;
  Handler handler_;
  StreamHandler stream_handler_;
  std::vector<HttpRequest> requests_;
};

}  // namespace resizelet::kube

#endif  // RESIZELET_TESTS_KUBE_FAKE_KUBE_CLIENT_H_
