#include "gate/tls/acme_client.h"

#include <chrono>
#include <thread>

#include "gate/tls/jws.h"

namespace httpgate::gate {
namespace {

using json = nlohmann::json;

constexpr long kTimeoutMs = 30'000;
constexpr int kAuthorizationSeconds = 120;
constexpr int kOrderSeconds = 120;

json parse(const std::string& body) {
  return json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string text(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// How long the server asks to wait (Retry-After seconds), within [1, 10].
int retryAfter(const HttpFetchResponse& response) {
  const auto value = response.header("retry-after");
  int seconds = 1;
  if (value) {
    try {
      seconds = std::stoi(*value);
    } catch (...) {
      seconds = 1;
    }
  }
  return std::clamp(seconds, 1, 10);
}

}  // namespace

std::string acmeProblem(const HttpFetchResponse& response) {
  const json problem = parse(response.body);
  if (problem.is_object() && problem.contains("type")) {
    std::string out = text(problem, "type");
    if (const std::string detail = text(problem, "detail"); !detail.empty()) {
      out += ": " + detail;
    }
    return out;
  }
  return "HTTP " + std::to_string(response.status) + ": " + response.body.substr(0, 200);
}

AcmeClient::AcmeClient(std::string directoryUrl, std::string caFile, EVP_PKEY* accountKey,
                       std::string email, const std::atomic<bool>* cancel)
    : directoryUrl_(std::move(directoryUrl)),
      caFile_(std::move(caFile)),
      key_(accountKey),
      email_(std::move(email)),
      cancel_(cancel) {}

HttpFetchRequest AcmeClient::request(const std::string& method, const std::string& url) const {
  HttpFetchRequest out;
  out.method = method;
  out.url = url;
  out.caFile = caFile_;
  out.timeoutMs = kTimeoutMs;
  out.cancel = cancel_;
  return out;
}

Result<bool> AcmeClient::loadDirectory() {
  if (!directory_.is_null()) {
    return Result<bool>::success(true);
  }
  auto response = httpFetch(request("GET", directoryUrl_));
  if (!response.ok()) {
    return Result<bool>::fail("the ACME directory: " + response.error());
  }
  const json directory = parse(response.value().body);
  if (response.value().status != 200 || !directory.is_object() ||
      text(directory, "newNonce").empty() || text(directory, "newAccount").empty() ||
      text(directory, "newOrder").empty()) {
    return Result<bool>::fail("the ACME directory " + directoryUrl_ +
                              " is not one: " + acmeProblem(response.value()));
  }
  directory_ = directory;
  return Result<bool>::success(true);
}

Result<std::string> AcmeClient::freshNonce() {
  auto response = httpFetch(request("HEAD", text(directory_, "newNonce")));
  if (!response.ok()) {
    return Result<std::string>::fail("newNonce: " + response.error());
  }
  const auto nonce = response.value().header("replay-nonce");
  if (!nonce) {
    return Result<std::string>::fail("newNonce: no Replay-Nonce in the answer");
  }
  return Result<std::string>::success(*nonce);
}

Result<HttpFetchResponse> AcmeClient::post(const std::string& url, const std::string& payload) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (nonce_.empty()) {
      auto nonce = freshNonce();
      if (!nonce.ok()) {
        return Result<HttpFetchResponse>::fail(nonce.error());
      }
      nonce_ = nonce.value();
    }
    auto body = signJws(key_, kid_, nonce_, url, payload);
    nonce_.clear();
    if (!body.ok()) {
      return Result<HttpFetchResponse>::fail(body.error());
    }
    HttpFetchRequest signed_ = request("POST", url);
    signed_.headers = {"Content-Type: application/jose+json"};
    signed_.body = std::move(body).value();
    auto response = httpFetch(signed_);
    if (!response.ok()) {
      return response;
    }
    if (const auto next = response.value().header("replay-nonce")) {
      nonce_ = *next;
    }
    // A server may refuse any nonce (RFC 8555 6.5): sign again with the
    // one its refusal carries.
    if (response.value().status == 400 &&
        acmeProblem(response.value()).rfind("urn:ietf:params:acme:error:badNonce", 0) == 0) {
      continue;
    }
    return response;
  }
  return Result<HttpFetchResponse>::fail(url + ": the server refused three nonces in a row");
}

Result<bool> AcmeClient::ensureAccount() {
  if (!kid_.empty()) {
    return Result<bool>::success(true);
  }
  json account = {{"termsOfServiceAgreed", true}};
  if (!email_.empty()) {
    account["contact"] = json::array({"mailto:" + email_});
  }
  auto response = post(text(directory_, "newAccount"), account.dump());
  if (!response.ok()) {
    return Result<bool>::fail("newAccount: " + response.error());
  }
  const auto location = response.value().header("location");
  if ((response.value().status != 200 && response.value().status != 201) || !location) {
    return Result<bool>::fail("newAccount: " + acmeProblem(response.value()));
  }
  kid_ = *location;
  return Result<bool>::success(true);
}

Result<json> AcmeClient::pollUntilSettled(const std::string& url, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    auto response = post(url, "");
    if (!response.ok()) {
      return Result<json>::fail(response.error());
    }
    const json object = parse(response.value().body);
    if (response.value().status != 200 || !object.is_object()) {
      return Result<json>::fail(url + ": " + acmeProblem(response.value()));
    }
    const std::string status = text(object, "status");
    if (status != "pending" && status != "processing") {
      return Result<json>::success(object);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Result<json>::fail(url + ": still " + status + " after " + std::to_string(seconds) +
                                " s");
    }
    // In steps, so that a stopping gate is not held up.
    for (int step = 0; step < retryAfter(response.value()) * 10 && !cancel_->load(); ++step) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (cancel_->load()) {
      return Result<json>::fail("abandoned: the gate is stopping");
    }
  }
}

Result<bool> AcmeClient::authorize(const std::string& url, AcmeChallenge kind,
                                   AcmeResponder& responder) {
  auto response = post(url, "");
  if (!response.ok()) {
    return Result<bool>::fail(response.error());
  }
  const json authorization = parse(response.value().body);
  if (response.value().status != 200 || !authorization.is_object()) {
    return Result<bool>::fail(url + ": " + acmeProblem(response.value()));
  }
  if (text(authorization, "status") == "valid") {
    return Result<bool>::success(true);  // authorized before, and still
  }
  const std::string name = authorization.value("identifier", json::object()).value("value", "");
  const std::string wanted = kind == AcmeChallenge::TlsAlpn01 ? "tls-alpn-01" : "http-01";
  json challenge;
  for (const json& candidate : authorization.value("challenges", json::array())) {
    if (text(candidate, "type") == wanted) {
      challenge = candidate;
    }
  }
  if (challenge.is_null() || text(challenge, "url").empty() || text(challenge, "token").empty()) {
    return Result<bool>::fail(name + ": the server offers no " + wanted + " challenge");
  }
  auto jwk = publicJwk(key_);
  if (!jwk.ok()) {
    return Result<bool>::fail(jwk.error());
  }
  const std::string token = text(challenge, "token");
  const std::string keyAuthorization = token + "." + jwkThumbprint(jwk.value());
  const std::string offered = kind == AcmeChallenge::TlsAlpn01 ? name : token;
  if (kind == AcmeChallenge::TlsAlpn01) {
    responder.offerTlsAlpn01(name, keyAuthorization);
  } else {
    responder.offerHttp01(token, keyAuthorization);
  }
  auto started = post(text(challenge, "url"), "{}");
  Result<json> settled = Result<json>::fail("");
  if (!started.ok()) {
    settled = Result<json>::fail(started.error());
  } else if (started.value().status != 200) {
    settled = Result<json>::fail(name + ": " + acmeProblem(started.value()));
  } else {
    settled = pollUntilSettled(url, kAuthorizationSeconds);
  }
  responder.withdraw(offered);
  if (!settled.ok()) {
    return Result<bool>::fail(settled.error());
  }
  if (text(settled.value(), "status") != "valid") {
    std::string why = text(settled.value(), "status");
    for (const json& candidate : settled.value().value("challenges", json::array())) {
      if (candidate.contains("error")) {
        why += ": " + text(candidate["error"], "type") + ": " + text(candidate["error"], "detail");
      }
    }
    return Result<bool>::fail(name + ": " + wanted + " failed (" + why + ")");
  }
  return Result<bool>::success(true);
}

Result<std::string> AcmeClient::order(const std::vector<std::string>& names, const std::string& csr,
                                      AcmeChallenge kind, AcmeResponder& responder) {
  using Chain = Result<std::string>;
  if (auto loaded = loadDirectory(); !loaded.ok()) {
    return Chain::fail(loaded.error());
  }
  if (auto account = ensureAccount(); !account.ok()) {
    return Chain::fail(account.error());
  }
  json identifiers = json::array();
  for (const std::string& name : names) {
    identifiers.push_back({{"type", "dns"}, {"value", name}});
  }
  auto created = post(text(directory_, "newOrder"), json{{"identifiers", identifiers}}.dump());
  if (!created.ok()) {
    return Chain::fail("newOrder: " + created.error());
  }
  const auto orderUrl = created.value().header("location");
  json order = parse(created.value().body);
  if (created.value().status != 201 || !orderUrl || !order.is_object()) {
    return Chain::fail("newOrder: " + acmeProblem(created.value()));
  }
  for (const json& authorization : order.value("authorizations", json::array())) {
    if (!authorization.is_string()) {
      continue;
    }
    auto done = authorize(authorization.get<std::string>(), kind, responder);
    if (!done.ok()) {
      return Chain::fail(done.error());
    }
  }
  auto finalized = post(text(order, "finalize"), json{{"csr", base64url(csr)}}.dump());
  if (!finalized.ok()) {
    return Chain::fail("finalize: " + finalized.error());
  }
  if (finalized.value().status != 200) {
    return Chain::fail("finalize: " + acmeProblem(finalized.value()));
  }
  auto settled = pollUntilSettled(*orderUrl, kOrderSeconds);
  if (!settled.ok()) {
    return Chain::fail(settled.error());
  }
  if (text(settled.value(), "status") != "valid" || text(settled.value(), "certificate").empty()) {
    return Chain::fail("the order ended " + text(settled.value(), "status"));
  }
  auto certificate = post(text(settled.value(), "certificate"), "");
  if (!certificate.ok()) {
    return Chain::fail("the certificate: " + certificate.error());
  }
  if (certificate.value().status != 200 ||
      certificate.value().body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return Chain::fail("the certificate: " + acmeProblem(certificate.value()));
  }
  return Chain::success(std::move(certificate).value().body);
}

}  // namespace httpgate::gate
