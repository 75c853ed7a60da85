// How a registry host is reached, with docker's rules: the certs.d search
// (on real directories), the https/http candidates for secure, insecure and
// loopback hosts, and the probe that picks the first candidate that answers.
#include "publish/registry_endpoint.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>

#include "common/error.h"
#include "common/fs.h"
#include "tests/test_support.h"

using hoist::test::error_of;
using hoist::test::EnvGuard;

using namespace hoist;
using publish::EndpointOptions;
using publish::resolve_endpoint;

namespace {

using Urls = std::vector<std::string>;

class RegistryEndpointTest : public ::testing::Test {
 protected:
  // The three roots in their real order: the user's, podman's, docker's.
  EndpointOptions options() const {
    EndpointOptions o;
    o.certs_roots = {root("user"), root("containers"), root("docker")};
    return o;
  }
  std::string root(const std::string& which) const { return tmp_.path() + "/" + which + "/certs.d"; }
  void write(const std::string& path, const std::string& data = "x") const {
    fs::mkdir_p(path.substr(0, path.rfind('/')));
    fs::write_file_atomic(path, data);
  }

  fs::TempDir tmp_;
};

TEST_F(RegistryEndpointTest, CertsDirIsTheFirstRootThatHasTheHost) {
  auto roots = options().certs_roots;
  EXPECT_EQ(publish::find_certs_dir("reg.example.com:5000", roots), "");
  fs::mkdir_p(root("docker") + "/reg.example.com:5000");
  EXPECT_EQ(publish::find_certs_dir("reg.example.com:5000", roots), root("docker") + "/reg.example.com:5000");
  fs::mkdir_p(root("containers") + "/reg.example.com:5000");
  EXPECT_EQ(publish::find_certs_dir("reg.example.com:5000", roots), root("containers") + "/reg.example.com:5000");
  fs::mkdir_p(root("user") + "/reg.example.com:5000");
  EXPECT_EQ(publish::find_certs_dir("reg.example.com:5000", roots), root("user") + "/reg.example.com:5000");
}

TEST_F(RegistryEndpointTest, CertsDirIsKeyedByHostAndPortAsWritten) {
  fs::mkdir_p(root("docker") + "/reg.example.com");
  EXPECT_EQ(publish::find_certs_dir("reg.example.com:5000", options().certs_roots), "");
  EXPECT_NE(publish::find_certs_dir("reg.example.com", options().certs_roots), "");
  write(root("docker") + "/plainfile.example.com");  // a file is not a directory of certificates
  EXPECT_EQ(publish::find_certs_dir("plainfile.example.com", options().certs_roots), "");
}

TEST_F(RegistryEndpointTest, CrtFilesAreCasAndCertKeyPairsAreClientCertificates) {
  std::string dir = root("docker") + "/reg.example.com";
  write(dir + "/z-ca.crt");
  write(dir + "/a-ca.crt");
  write(dir + "/client.cert");
  write(dir + "/client.key");
  write(dir + "/README");
  fs::mkdir_p(dir + "/sub.crt");  // a directory is not a CA
  publish::TlsConfig tls;
  publish::load_certs_dir(dir, tls);
  EXPECT_EQ(tls.ca_files, (Urls{dir + "/a-ca.crt", dir + "/z-ca.crt"}));
  EXPECT_EQ(tls.client_cert, dir + "/client.cert");
  EXPECT_EQ(tls.client_key, dir + "/client.key");
}

TEST_F(RegistryEndpointTest, AClientCertificateWithoutItsKeyIsAnErrorNamingIt) {
  std::string dir = root("docker") + "/reg.example.com";
  write(dir + "/client.cert");
  publish::TlsConfig tls;
  std::string err = error_of([&] { publish::load_certs_dir(dir, tls); });
  EXPECT_NE(err.find(dir + "/client.cert"), std::string::npos) << err;
  EXPECT_NE(err.find("client.key"), std::string::npos) << err;
  EXPECT_NE(err.find("*.crt"), std::string::npos) << err;
}

TEST_F(RegistryEndpointTest, AKeyWithoutItsClientCertificateIsAnErrorNamingIt) {
  std::string dir = root("docker") + "/reg.example.com";
  write(dir + "/client.key");
  publish::TlsConfig tls;
  std::string err = error_of([&] { publish::load_certs_dir(dir, tls); });
  EXPECT_NE(err.find(dir + "/client.key"), std::string::npos) << err;
  EXPECT_NE(err.find("client.cert"), std::string::npos) << err;
}

TEST_F(RegistryEndpointTest, LoopbackHosts) {
  for (const char* host : {"localhost", "localhost:5000", "LocalHost:5000", "127.0.0.1", "127.0.0.1:5000",
                           "127.254.3.4:80", "[::1]:5000", "[::1]", "::1"})
    EXPECT_TRUE(publish::is_loopback_host(host)) << host;
  for (const char* host : {"docker.io", "ghcr.io", "128.0.0.1:5000", "10.0.0.1", "localhost.example.com",
                           "127.example.com:5000", "[::2]:5000", "[fe80::1]:5000"})
    EXPECT_FALSE(publish::is_loopback_host(host)) << host;
}

TEST_F(RegistryEndpointTest, PublicRegistriesAreHttpsOnlyAndVerified) {
  auto e = resolve_endpoint("ghcr.io", options());
  EXPECT_EQ(e.candidates, (Urls{"https://ghcr.io"}));
  EXPECT_TRUE(e.tls.verify);
  EXPECT_TRUE(e.tls.ca_files.empty());
  EXPECT_EQ(e.certs_dir, "");
}

TEST_F(RegistryEndpointTest, DockerHubIsReachedAtItsApiHostAndReadsNoCertsD) {
  // As docker: no certs.d for Docker Hub, whichever name the directory has.
  write(root("docker") + "/docker.io/ca.crt");
  write(root("docker") + "/registry-1.docker.io/ca.crt");
  auto e = resolve_endpoint("docker.io", options());
  EXPECT_EQ(e.candidates, (Urls{"https://registry-1.docker.io"}));
  EXPECT_TRUE(e.tls.verify);
  EXPECT_TRUE(e.tls.ca_files.empty());
}

TEST_F(RegistryEndpointTest, LoopbackWithoutCertsDirTriesUnverifiedHttpsThenHttp) {
  for (const char* host : {"127.0.0.1:5000", "localhost:5000", "[::1]:5000"}) {
    auto e = resolve_endpoint(host, options());
    EXPECT_EQ(e.candidates, (Urls{std::string("https://") + host, std::string("http://") + host})) << host;
    EXPECT_FALSE(e.tls.verify) << host;
  }
}

TEST_F(RegistryEndpointTest, LoopbackWithACertsDirIsHttpsOnlyWithItsCa) {
  write(root("user") + "/127.0.0.1:5443/ca.crt");
  auto e = resolve_endpoint("127.0.0.1:5443", options());
  EXPECT_EQ(e.candidates, (Urls{"https://127.0.0.1:5443"}));
  EXPECT_TRUE(e.tls.verify);
  EXPECT_EQ(e.certs_dir, root("user") + "/127.0.0.1:5443");
  EXPECT_EQ(e.tls.ca_files, (Urls{root("user") + "/127.0.0.1:5443/ca.crt"}));
}

TEST_F(RegistryEndpointTest, NamedInsecureRegistriesTryUnverifiedHttpsThenHttp) {
  auto o = options();
  o.insecure_registries = {"reg.internal:5000"};
  auto e = resolve_endpoint("reg.internal:5000", o);
  EXPECT_EQ(e.candidates, (Urls{"https://reg.internal:5000", "http://reg.internal:5000"}));
  EXPECT_FALSE(e.tls.verify);
  // Matched as written, as docker does: the name without the port is another registry.
  e = resolve_endpoint("reg.internal", o);
  EXPECT_EQ(e.candidates, (Urls{"https://reg.internal"}));
  EXPECT_TRUE(e.tls.verify);
}

TEST_F(RegistryEndpointTest, InsecureRegistriesStillGetTheirClientCertificate) {
  auto o = options();
  o.insecure_registries = {"reg.internal:5000"};
  write(root("containers") + "/reg.internal:5000/client.cert");
  write(root("containers") + "/reg.internal:5000/client.key");
  auto e = resolve_endpoint("reg.internal:5000", o);
  EXPECT_FALSE(e.tls.verify);
  EXPECT_EQ(e.tls.client_cert, root("containers") + "/reg.internal:5000/client.cert");
}

TEST_F(RegistryEndpointTest, TlsVerifyFalseAllowsAnyHostUnverifiedThenHttp) {
  auto o = options();
  o.tls_verify = false;
  auto e = resolve_endpoint("ghcr.io", o);
  EXPECT_EQ(e.candidates, (Urls{"https://ghcr.io", "http://ghcr.io"}));
  EXPECT_FALSE(e.tls.verify);
}

TEST_F(RegistryEndpointTest, TlsVerifyTrueDemandsVerifiedHttpsEvenOnLoopback) {
  auto o = options();
  o.tls_verify = true;
  o.insecure_registries = {"127.0.0.1:5443"};
  auto e = resolve_endpoint("127.0.0.1:5443", o);
  EXPECT_EQ(e.candidates, (Urls{"https://127.0.0.1:5443"}));
  EXPECT_TRUE(e.tls.verify);
  // With nothing configured, the error says where the CA goes.
  EXPECT_NE(e.tls.fix_hint.find("/etc/docker/certs.d/127.0.0.1:5443/ca.crt"), std::string::npos) << e.tls.fix_hint;
  EXPECT_NE(e.tls.fix_hint.find("--tls-verify=false"), std::string::npos) << e.tls.fix_hint;
}

TEST_F(RegistryEndpointTest, CertDirReplacesTheSearch) {
  write(root("user") + "/127.0.0.1:5443/ignored.crt");
  std::string mine = tmp_.path() + "/mine";
  write(mine + "/ca.crt");
  auto o = options();
  o.cert_dir = mine;
  auto e = resolve_endpoint("127.0.0.1:5443", o);
  EXPECT_EQ(e.certs_dir, mine);
  EXPECT_EQ(e.tls.ca_files, (Urls{mine + "/ca.crt"}));
  EXPECT_EQ(e.candidates, (Urls{"https://127.0.0.1:5443"}));
  EXPECT_TRUE(e.tls.verify);
  EXPECT_NE(e.tls.fix_hint.find(mine), std::string::npos) << e.tls.fix_hint;
}

TEST_F(RegistryEndpointTest, AMissingCertDirIsAnErrorNamingIt) {
  auto o = options();
  o.cert_dir = tmp_.path() + "/nope";
  std::string err = error_of([&] { resolve_endpoint("ghcr.io", o); });
  EXPECT_NE(err.find(tmp_.path() + "/nope"), std::string::npos) << err;
}

TEST_F(RegistryEndpointTest, DefaultCertsRootsFollowXdgThenSystem) {
  EnvGuard env;
  env.set("XDG_CONFIG_HOME", "/xdg");
  env.set("HOME", "/home/u");
  EXPECT_EQ(publish::default_certs_roots(),
            (Urls{"/xdg/containers/certs.d", "/etc/containers/certs.d", "/etc/docker/certs.d"}));
  env.unset("XDG_CONFIG_HOME");
  EXPECT_EQ(publish::default_certs_roots(),
            (Urls{"/home/u/.config/containers/certs.d", "/etc/containers/certs.d", "/etc/docker/certs.d"}));
}

TEST_F(RegistryEndpointTest, InsecureRegistriesComeFromTheEnvironmentAndDockersDaemonJson) {
  EnvGuard env;
  env.set("HOIST_INSECURE_REGISTRIES", " a.internal:5000, b.internal ,,");
  std::string daemon = tmp_.path() + "/daemon.json";
  EXPECT_EQ(publish::default_insecure_registries(daemon), (Urls{"a.internal:5000", "b.internal"}));
  write(daemon, R"({"debug": true, "insecure-registries": ["c.internal:5000", "10.0.0.0/8"]})");
  EXPECT_EQ(publish::default_insecure_registries(daemon), (Urls{"a.internal:5000", "b.internal", "c.internal:5000"}));
  env.unset("HOIST_INSECURE_REGISTRIES");
  EXPECT_EQ(publish::default_insecure_registries(daemon), (Urls{"c.internal:5000"}));
}

TEST_F(RegistryEndpointTest, BadInsecureRegistrySettingsAreErrorsNamingTheirSource) {
  EnvGuard env;
  env.set("HOIST_INSECURE_REGISTRIES", "http://a.internal");
  std::string daemon = tmp_.path() + "/daemon.json";
  std::string err = error_of([&] { publish::default_insecure_registries(daemon); });
  EXPECT_NE(err.find("HOIST_INSECURE_REGISTRIES"), std::string::npos) << err;
  env.unset("HOIST_INSECURE_REGISTRIES");
  write(daemon, "{not json");
  err = error_of([&] { publish::default_insecure_registries(daemon); });
  EXPECT_NE(err.find(daemon), std::string::npos) << err;
}

// An HttpClient that fails, or answers 400, or answers 401, by URL prefix, recording what was asked.
class ProbeAnswers : public publish::HttpClient {
 public:
  explicit ProbeAnswers(Urls failing, Urls bad_request = {})
      : failing_(std::move(failing)), bad_request_(std::move(bad_request)) {}
  publish::HttpResponse send(const publish::HttpRequest& req, layers::Writer*) override {
    asked.push_back(req.url);
    for (auto& prefix : failing_)
      if (req.url.starts_with(prefix)) throw Error("cannot reach " + req.url);
    publish::HttpResponse r;
    r.status = 401;  // a registry asking for credentials: it speaks HTTP there
    for (auto& prefix : bad_request_)
      if (req.url.starts_with(prefix)) r.status = 400;
    return r;
  }
  Urls asked;

 private:
  Urls failing_, bad_request_;
};

TEST_F(RegistryEndpointTest, ProbePicksTheFirstCandidateThatAnswers) {
  auto e = resolve_endpoint("127.0.0.1:5000", options());
  ProbeAnswers https_down({"https://"});
  EXPECT_EQ(publish::pick_base_url(e, https_down), "http://127.0.0.1:5000");
  EXPECT_EQ(https_down.asked, (Urls{"https://127.0.0.1:5000/v2/", "http://127.0.0.1:5000/v2/"}));
  ProbeAnswers all_up({});
  EXPECT_EQ(publish::pick_base_url(e, all_up), "https://127.0.0.1:5000");
  EXPECT_EQ(all_up.asked.size(), 1u);
}

TEST_F(RegistryEndpointTest, WhenNoCandidateAnswersTheHttpsErrorIsThrown) {
  auto e = resolve_endpoint("127.0.0.1:5000", options());
  ProbeAnswers all_down({"https://", "http://"});
  EXPECT_EQ(error_of([&] { publish::pick_base_url(e, all_down); }), "cannot reach https://127.0.0.1:5000/v2/");
}

TEST_F(RegistryEndpointTest, A400OverPlainHttpIsATlsServerTurningItAway) {
  auto e = resolve_endpoint("127.0.0.1:5000", options());
  ProbeAnswers tls_only({"https://"}, {"http://"});
  EXPECT_EQ(error_of([&] { publish::pick_base_url(e, tls_only); }), "cannot reach https://127.0.0.1:5000/v2/");
}

TEST_F(RegistryEndpointTest, ASingleCandidateIsNotProbed) {
  auto e = resolve_endpoint("ghcr.io", options());
  ProbeAnswers all_down({"https://", "http://"});
  EXPECT_EQ(publish::pick_base_url(e, all_down), "https://ghcr.io");
  EXPECT_TRUE(all_down.asked.empty());
}

}  // namespace
