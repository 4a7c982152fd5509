// HTTP/2 on TLS listeners, with real HTTP/2 clients (curl, h2load): ALPN,
// every stream routed on its own to its backend port over HTTP/1.1, the
// translation seen byte for byte at the backend, bodies both ways, errors
// on their stream only, and `http2: false`.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/support/backend.h"
#include "tests/support/child_process.h"
#include "tests/support/dead_ports.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/h2_client.h"
#include "tests/support/h2_frames.h"
#include "tests/support/metrics_page.h"

namespace httpgate::test {
namespace {

struct ClientRun {
  int exit = -1;
  std::string out;
  std::string err;
};

// Runs a client program to its end (bounded: 30 s).
ClientRun runClient(const std::vector<std::string>& argv) {
  ChildProcess child(argv);
  ClientRun run;
  run.exit = child.waitExit(Millis{30000}).value_or(-1);
  // The reader thread may still hold the last bytes of the pipes.
  child.out().waitClosed(Millis{5000});
  child.err().waitClosed(Millis{5000});
  run.out = child.out().text();
  run.err = child.err().text();
  return run;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class Http2Test : public GateTest {
 protected:
  void start(std::string_view extraTlsLines = "", std::string_view topLevel = "") {
    const std::string yaml = "listen:\n" + tlsListenerYaml({cert_}, "127.0.0.1:0", extraTlsLines) +
                             "workers: 1\nroutes:\n  default: " + std::to_string(backend_.port()) +
                             "\nlog:\n  access: stderr\n" + std::string(topLevel);
    ASSERT_NO_FATAL_FAILURE(startGate(yaml));
  }

  std::string url(std::string_view path) const {
    return "https://127.0.0.1:" + std::to_string(tlsPort()) + std::string(path);
  }

  // curl over HTTP/2 (or whatever ALPN gives) with `args`; every URL
  // `urls` on one connection; prints "<version> <code>" per response.
  ClientRun curl(std::vector<std::string> args, const std::vector<std::string>& urls) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-sk", "--http2", "-w",
                                     "%{http_version} %{http_code}\\n"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const std::string& u : urls) {
      argv.push_back("-o");
      argv.push_back("/dev/null");
      argv.push_back(u);
    }
    return runClient(argv);
  }

  Backend backend_;
};

TEST_F(Http2Test, AlpnChoosesH2AndEveryStreamGoesToItsOwnPort) {
  Backend other;
  ASSERT_NO_FATAL_FAILURE(start());
  const ClientRun run =
      curl({}, {url("/" + std::to_string(other.port()) + "/first?x=1"), url("/second"),
                url("/" + std::to_string(other.port()) + "/third")});
  ASSERT_EQ(run.exit, 0) << run.err;
  EXPECT_EQ(run.out, "2 200\n2 200\n2 200\n");
  ASSERT_TRUE(other.waitForRequests(2, kIoTimeout));
  ASSERT_TRUE(backend_.waitForRequests(1, kIoTimeout));
  const std::vector<RecordedRequest> there = other.requests();
  EXPECT_EQ(there[0].target, "/first?x=1");
  EXPECT_EQ(there[1].target, "/third");
  const RecordedRequest here = backend_.requests()[0];
  EXPECT_EQ(here.method, "GET");
  EXPECT_EQ(here.target, "/second");
  EXPECT_EQ(here.version, "HTTP/1.1");
  // :authority became the Host; the gate's fields as for HTTP/1.1.
  EXPECT_EQ(here.field("Host"), "127.0.0.1:" + std::to_string(tlsPort()));
  EXPECT_EQ(here.field("X-Forwarded-Proto"), "https");
  EXPECT_TRUE(here.field("X-Pil").has_value());
  // The access log names the protocol the client spoke.
  EXPECT_TRUE(gate().waitForLog(std::regex("\"GET /second HTTP/2\\.0\" 200 "), kIoTimeout))
      << gate().log();
}

TEST_F(Http2Test, RequestBodiesArriveWhole) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string body;
  for (int i = 0; i < 20000; ++i) {
    body += std::to_string(i) + ",";
  }
  const std::string file = dir_.path() + "/body";
  std::ofstream(file, std::ios::binary) << body;
  // With its content-length, then without one: the gate makes that one
  // chunked, and PicoLisp's re-framing (headers.picolisp, on by default)
  // then hands it on with a Content-Length, as an HTTP/1.1 client's.
  ClientRun run = curl({"--data-binary", "@" + file}, {url("/with-length")});
  ASSERT_EQ(run.exit, 0) << run.err;
  EXPECT_EQ(run.out, "2 200\n");
  run = curl({"--data-binary", "@" + file, "-H", "Content-Length:"}, {url("/chunked")});
  ASSERT_EQ(run.exit, 0) << run.err;
  EXPECT_EQ(run.out, "2 200\n");
  ASSERT_TRUE(backend_.waitForRequests(2, kIoTimeout));
  const std::vector<RecordedRequest> got = backend_.requests();
  EXPECT_EQ(got[0].field("Content-Length"), std::to_string(body.size()));
  EXPECT_EQ(got[0].body, body);
  EXPECT_EQ(got[1].field("Transfer-Encoding"), std::nullopt);
  EXPECT_EQ(got[1].field("Content-Length"), std::to_string(body.size()));
  EXPECT_EQ(got[1].body, body);
}

TEST_F(Http2Test, LargeResponsesArriveWhole) {
  std::string big;
  for (int i = 0; big.size() < 4 * 1024 * 1024; ++i) {
    big += std::to_string(i * 7919) + "\n";
  }
  Backend chunked([&big](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.body = big;
    if (request.target == "/chunked") {
      reply.framing = BackendReply::Framing::Chunked;
      reply.chunkSize = 10000;
    }
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string port = std::to_string(chunked.port());
  for (std::string_view path : {"/length", "/chunked"}) {
    const std::string file = dir_.path() + "/out";
    const ClientRun run =
        runClient({"/usr/bin/curl", "-sk", "--http2", "-o", file, "-w",
                   "%{http_version} %{http_code}", url("/" + port + std::string(path))});
    ASSERT_EQ(run.exit, 0) << run.err;
    EXPECT_EQ(run.out, "2 200") << path;
    const std::string got = readFile(file);
    EXPECT_EQ(got.size(), big.size()) << path;
    EXPECT_TRUE(got == big) << path;
  }
}

TEST_F(Http2Test, ResponseTrailersFollowAsATrailingHeaders) {
  Backend trailing([](const RecordedRequest& request) {
    BackendReply reply;
    if (request.target == "/with") {
      reply.raw =
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Grpc-Status\r\n\r\n"
          "5\r\nhello\r\n6\r\n world\r\n0\r\nGrpc-Status: 0\r\nConnection: x\r\n"
          "X-Digest:  sha-1 \r\n\r\n";
    } else {
      reply.raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n";
    }
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(start());
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string port = std::to_string(trailing.port());
  const int32_t with = client.get("/" + port + "/with");
  const int32_t without = client.get("/" + port + "/without");
  ASSERT_TRUE(client.waitClosed(with)) << client.error();
  ASSERT_TRUE(client.waitClosed(without)) << client.error();
  const H2StreamResult& got = client.stream(with);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.data, "hello world");
  EXPECT_EQ(got.header("trailer"), "");  // an HTTP/1.1 hop's field
  EXPECT_TRUE(got.remoteEnded);
  EXPECT_FALSE(got.reset);
  const H2Fields expected = {{"grpc-status", "0"}, {"x-digest", "sha-1"}};
  EXPECT_EQ(got.trailers, expected);
  EXPECT_EQ(client.stream(without).data, "no");
  EXPECT_TRUE(client.stream(without).trailers.empty());
  EXPECT_TRUE(client.stream(without).remoteEnded);
}

TEST_F(Http2Test, ErrorsAreAnsweredOnTheirStreamOnly) {
  ASSERT_NO_FATAL_FAILURE(start());
  const ClientRun run =
      curl({}, {url("/80/outside-the-allowed-ports"), url("/fine"),
                url("/" + std::to_string(refusingPort()) + "/refused"), url("/again")});
  ASSERT_EQ(run.exit, 0) << run.err;
  EXPECT_EQ(run.out, "2 403\n2 200\n2 502\n2 200\n");
}

TEST_F(Http2Test, ManyConcurrentStreamsAllSucceed) {
  ASSERT_NO_FATAL_FAILURE(start());
  const ClientRun run =
      runClient({"/usr/bin/h2load", "-n", "400", "-c", "2", "-m", "20", url("/load")});
  ASSERT_EQ(run.exit, 0) << run.err << run.out;
  EXPECT_NE(run.out.find("400 succeeded, 0 failed, 0 errored"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("status codes: 400 2xx"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Application protocol: h2"), std::string::npos) << run.out;
}

// A stream whose backend is slow holds back no other stream of its
// connection: curl --parallel multiplexes both on one connection and
// reports each transfer as it ends.
TEST_F(Http2Test, ASlowStreamDoesNotDelayTheOthers) {
  Backend slow([](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.delay = Millis{1500};
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(start());
  const ClientRun run = runClient(
      {"/usr/bin/curl", "-sk", "--http2", "--parallel", "--parallel-max", "2", "-w",
       "%{url_effective} %{http_version} %{http_code} %{num_connects}\\n", "-o", "/dev/null",
       url("/" + std::to_string(slow.port()) + "/slow"), "-o", "/dev/null", url("/fast")});
  ASSERT_EQ(run.exit, 0) << run.err;
  // The fast one ends first, on the connection the slow one opened.
  EXPECT_EQ(run.out, url("/fast") + " 2 200 0\n" +
                         url("/" + std::to_string(slow.port()) + "/slow") + " 2 200 1\n");
}

// A drain (SIGTERM) sends GOAWAY: the stream in flight still gets its
// whole response, and the gate then exits.
TEST_F(Http2Test, StreamsInFlightFinishAcrossADrain) {
  Backend slow([](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.delay = Millis{1000};
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(start());
  ChildProcess client({"/usr/bin/curl", "-sk", "--http2", "-w", "%{http_version} %{http_code}",
                       "-o", "/dev/null", url("/" + std::to_string(slow.port()) + "/in-flight")});
  ASSERT_TRUE(slow.waitForRequests(1, kIoTimeout));
  gate().sendSignal(SIGTERM);
  ASSERT_EQ(client.waitExit(Millis{10000}), 0) << client.err().text();
  client.out().waitClosed(Millis{5000});
  EXPECT_EQ(client.out().text(), "2 200");
  EXPECT_EQ(gate().waitExit(Millis{10000}), 0) << gate().log();
}

// /metrics by protocol: connections (from ALPN), requests, streams open,
// the streams the gate reset and why, and its GOAWAYs (here: an idle
// connection's, after timeouts.keepalive).
TEST_F(Http2Test, MetricsCountTheProtocolsStreamsResetsAndGoaways) {
  ASSERT_NO_FATAL_FAILURE(start("", "timeouts:\n  keepalive: 1s\nadmin:\n  listen: 127.0.0.1:0\n"));
  const uint16_t admin = adminPortOf(gate());
  ASSERT_NE(admin, 0);
  ClientRun run = curl({}, {url("/over-h2")});
  ASSERT_EQ(run.exit, 0) << run.err;
  Client http11 = Client::tls(tlsPort());
  ASSERT_TRUE(http11.connected()) << http11.error();
  ASSERT_EQ(http11.exchange(getRequest("/over-http11")).status, 200);
  // A malformed request (te other than trailers): its stream is reset.
  run = runClient({"/usr/bin/nghttp", "-n", "-H", "te: gzip", url("/malformed")});
  // A raw HTTP/2 client that opens no stream: GOAWAY after the keep-alive.
  TlsOptions h2;
  h2.offerH2 = true;
  Client idle = Client::tls(tlsPort(), h2);
  ASSERT_TRUE(idle.connected()) << idle.error();
  EXPECT_EQ(idle.tlsStream()->alpn(), "h2");
  ASSERT_TRUE(idle.send(h2Preface()));
  const H2Frame goaway = readH2FrameOfType(idle, kH2Goaway, Millis{5000});
  ASSERT_TRUE(goaway.ok) << "no GOAWAY after timeouts.keepalive";
  ASSERT_EQ(goaway.payload.size(), 8u);
  EXPECT_EQ(goaway.payload.substr(4), std::string(4, '\0'));  // NO_ERROR
  EXPECT_TRUE(idle.waitClosed());

  const auto expect = [admin](const std::string& series, double value) {
    EXPECT_EQ(waitForSample(admin, series, value), value) << series;
  };
  expect("httpgate_connections_total{protocol=\"h2\"}", 3);
  expect("httpgate_connections_total{protocol=\"http/1.1\"}", 1);
  expect("httpgate_protocol_requests_total{protocol=\"h2\"}", 1);
  expect("httpgate_protocol_requests_total{protocol=\"http/1.1\"}", 1);
  expect("httpgate_http2_streams_open", 0);
  expect("httpgate_http2_stream_resets_total{side=\"gate\",reason=\"protocol\"}", 1);
  expect("httpgate_http2_goaways_total", 1);
}

TEST_F(Http2Test, Http2OffKeepsHttp11) {
  // A listener-level key, after the listener's tls lines.
  ASSERT_NO_FATAL_FAILURE(start("    http2: false\n"));
  const ClientRun run = curl({}, {url("/plain-old")});
  ASSERT_EQ(run.exit, 0) << run.err;
  EXPECT_EQ(run.out, "1.1 200\n");
}

}  // namespace
}  // namespace httpgate::test
