// Registry credentials as docker keeps them: config.json keys and their legacy spellings,
// credential helpers (run for real: fake docker-credential-* scripts on PATH), podman's
// auth.json fallback, and rewriting config.json without losing anything.
#include "publish/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/error.h"
#include "common/fs.h"
#include "tests/test_support.h"

using hoist::test::error_of;
using hoist::test::EnvGuard;

using namespace hoist;
using publish::Credentials;
using publish::CredentialStore;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(fs::read_file(path));
}

class CredentialStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Nothing here may reach the real ~/.docker or podman's auth.json.
    env_.set("HOME", tmp_.path() + "/home");
    env_.set("DOCKER_CONFIG", tmp_.path() + "/docker");
    env_.unset("REGISTRY_AUTH_FILE");
    env_.unset("XDG_RUNTIME_DIR");
    fs::mkdir_p(bin(), 0755);
    const char* path = std::getenv("PATH");
    env_.set("PATH", bin() + ":" + (path ? path : "/usr/bin:/bin"));
    write_helper("test");
    write_script("broken", "cat >/dev/null\necho 'boom: keychain locked'\nexit 3\n");
  }

  std::string bin() const { return tmp_.path() + "/bin"; }
  std::string config() const { return tmp_.path() + "/docker/config.json"; }
  std::string state(const std::string& helper) const { return tmp_.path() + "/state-" + helper; }

  void write_script(const std::string& suffix, const std::string& body) {
    std::string path = bin() + "/docker-credential-" + suffix;
    fs::write_file_atomic(path, "#!/bin/sh\n" + body, 0755);
  }

  // A helper keeping one file per server URL, answering like the real ones (including the
  // standard not-found message), logging each call as "<verb> <server URL>" and keeping the
  // last request's exact bytes in <state>/request.
  void write_helper(const std::string& suffix) {
    std::string dir = state(suffix);
    fs::mkdir_p(dir, 0700);
    write_script(suffix, "dir='" + dir + "'\n" + R"SH(cat > "$dir/request"
input=$(cat "$dir/request")
case "$1" in
  get|erase) url=$input ;;
  store) url=$(printf '%s' "$input" | sed -n 's/.*"ServerURL":"\([^"]*\)".*/\1/p') ;;
  *) echo "unknown verb $1"; exit 1 ;;
esac
echo "$1 $url" >> "$dir/log"
f="$dir/$(printf '%s' "$url" | tr '/:' '__')"
case "$1" in
  get) [ -f "$f" ] && exec cat "$f" ;;
  erase) [ -f "$f" ] && exec rm "$f" ;;
  store) exec cp "$dir/request" "$f" ;;
esac
echo "credentials not found in native keychain"
exit 1
)SH");
  }

  std::string helper_log(const std::string& suffix) {
    std::string log = state(suffix) + "/log";
    return fs::exists(log) ? fs::read_file(log) : "";
  }
  void seed_helper(const std::string& suffix, const std::string& url, const std::string& user,
                   const std::string& secret) {
    std::string name = url;
    for (auto& c : name) {
      if (c == '/' || c == ':') c = '_';
    }
    nlohmann::json j{{"ServerURL", url}, {"Username", user}, {"Secret", secret}};
    fs::write_file_atomic(state(suffix) + "/" + name, j.dump());
  }

  void write_config(const std::string& text) {
    fs::mkdir_p(tmp_.path() + "/docker", 0700);
    fs::write_file_atomic(config(), text, 0600);
  }

  fs::TempDir tmp_;
  EnvGuard env_;
};

std::string b64(const std::string& s) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < s.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(s[i])) << 16;
    if (i + 1 < s.size()) v |= uint32_t(uint8_t(s[i + 1])) << 8;
    if (i + 2 < s.size()) v |= uint8_t(s[i + 2]);
    out += a[v >> 18 & 63];
    out += a[v >> 12 & 63];
    out += i + 1 < s.size() ? a[v >> 6 & 63] : '=';
    out += i + 2 < s.size() ? a[v & 63] : '=';
  }
  return out;
}

Credentials user_pass(std::string u, std::string p) {
  return Credentials{std::move(u), std::move(p), "", ""};
}

}  // namespace

// docker/cli cli/config/credentials/file_store_test.go TestConvertToHostname, including the
// cases docker itself finds questionable ("unix:///..." -> "unix:"): hoist must agree with docker.
TEST(CredentialKey, ConvertToHostnameDockerTable) {
  const std::pair<const char*, const char*> cases[] = {
      {"127.0.0.1", "127.0.0.1"},
      {"::1", "::1"},
      {"[::1]", "[::1]"},
      {"example.com", "example.com"},
      {"http://example.com", "example.com"},
      {"https://example.com", "example.com"},
      {"https://example.com/", "example.com"},
      {"https://example.com/v2/", "example.com"},
      {"unix:///var/run/docker.sock", "unix:"},
      {"ftp://example.com", "example.com"},
      {"127.0.0.1:6556", "127.0.0.1:6556"},
      {"::1:6556", "::1:6556"},
      {"[::1]:6556", "[::1]:6556"},
      {"example.com:6555", "example.com:6555"},
      {"https://127.0.0.1:6555/v2/", "127.0.0.1:6555"},
      {"https://::1:6555/v2/", "[::1]:6555"},
      {"https://[::1]:6555/v2/", "[::1]:6555"},
      {"http://example.com:6555", "example.com:6555"},
      {"https://example.com:6555", "example.com:6555"},
      {"https://example.com:6555/v2/", "example.com:6555"},
      // Beyond docker's table: legacy v1 keys, credentials in the URL, and URLs Go's
      // url.Parse rejects (which fall back to "everything before the first /").
      {"https://index.docker.io/v1/", "index.docker.io"},
      {"https://user:pw@example.com/v1/", "example.com"},
      {"https://example.com:port/v2/", "https:"},
      {"https://exa mple.com/", "https:"},
      {"https://example.com/%zz", "https:"},
      {"https://example.com/v2/?q=%zz#frag", "example.com"},
      {"registry.example.com/ns/repo", "registry.example.com"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(publish::convert_to_hostname(in), want) << in;
  }
}

TEST(CredentialKey, DockerHubSpellingsShareOneKey) {
  for (const char* hub :
       {"", "docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/",
        "https://index.docker.io/v1", "https://registry-1.docker.io/v2/"}) {
    EXPECT_EQ(publish::credential_key(hub), "https://index.docker.io/v1/") << hub;
  }
  EXPECT_EQ(publish::credential_key("localhost:5000"), "localhost:5000");
  EXPECT_EQ(publish::credential_key("https://ghcr.io/v2/"), "ghcr.io");
  EXPECT_EQ(publish::credential_key("http://[::1]:5000"), "[::1]:5000");
}

TEST_F(CredentialStoreTest, DefaultPathIsDockerConfigThenHome) {
  EXPECT_EQ(CredentialStore::default_path(), tmp_.path() + "/docker/config.json");
  env_.unset("DOCKER_CONFIG");
  EXPECT_EQ(CredentialStore::default_path(), tmp_.path() + "/home/.docker/config.json");
  EXPECT_EQ(CredentialStore().path(), tmp_.path() + "/home/.docker/config.json");
}

TEST_F(CredentialStoreTest, DefaultFallbacksPreferRegistryAuthFile) {
  EXPECT_TRUE(CredentialStore::default_fallback_paths().empty());
  env_.set("XDG_RUNTIME_DIR", "/run/user/1000");
  EXPECT_EQ(CredentialStore::default_fallback_paths(),
            std::vector<std::string>{"/run/user/1000/containers/auth.json"});
  env_.set("REGISTRY_AUTH_FILE", "/etc/auth.json");
  EXPECT_EQ(CredentialStore::default_fallback_paths(), std::vector<std::string>{"/etc/auth.json"});
}

TEST_F(CredentialStoreTest, MissingOrEmptyFileMeansNoCredentials) {
  CredentialStore store(config());
  EXPECT_TRUE(store.get("registry.example.com").empty());
  EXPECT_FALSE(fs::exists(config()));
  write_config("  \n");
  EXPECT_TRUE(store.get("registry.example.com").empty());
  EXPECT_FALSE(store.erase("registry.example.com"));
}

TEST_F(CredentialStoreTest, AuthSplitsAtFirstColon) {
  write_config(R"({"auths": {
    "registry.example.com": {"auth": ")" +
               b64("alice:pa:ss:wo rd") + R"("},
    "nul.example.com": {"auth": ")" +
               b64(std::string("bob:secret\0\0", 12)) + R"("},
    "fields.example.com": {"username": "carol", "password": "pw"},
    "both.example.com": {"username": "ignored", "password": "ignored", "auth": ")" +
               b64("dave:x") + R"("}
  }})");
  CredentialStore store(config());
  EXPECT_EQ(store.get("registry.example.com"), user_pass("alice", "pa:ss:wo rd"));
  EXPECT_EQ(store.get("nul.example.com"), user_pass("bob", "secret"));
  EXPECT_EQ(store.get("fields.example.com"), user_pass("carol", "pw"));
  EXPECT_EQ(store.get("both.example.com"), user_pass("dave", "x"));
  EXPECT_TRUE(store.get("other.example.com").empty());
}

TEST_F(CredentialStoreTest, IdentityAndRegistryTokens) {
  write_config(R"({"auths": {
    "https://index.docker.io/v1/": {"auth": ")" +
               b64("alice:") + R"(", "identitytoken": "refresh-123"},
    "reg.example.com": {"registrytoken": "bearer-456"}
  }})");
  CredentialStore store(config());
  for (const char* hub : {"docker.io", "index.docker.io", "registry-1.docker.io"}) {
    EXPECT_EQ(store.get(hub), (Credentials{"alice", "", "refresh-123", ""})) << hub;
  }
  EXPECT_EQ(store.get("reg.example.com"), (Credentials{"", "", "", "bearer-456"}));
}

TEST_F(CredentialStoreTest, LegacyKeySpellingsAreFound) {
  write_config(R"({"auths": {
    "https://registry.example.com/v1/": {"auth": ")" +
               b64("legacy:1") + R"("},
    "registry.example.com": {"auth": ")" +
               b64("exact:2") + R"("},
    "http://localhost:5000": {"auth": ")" +
               b64("local:3") + R"("},
    "https://[::1]:6555/v2/": {"auth": ")" +
               b64("six:4") + R"("}
  }})");
  CredentialStore store(config());
  EXPECT_EQ(store.get("registry.example.com").username, "exact");  // the exact key wins
  EXPECT_EQ(store.get("localhost:5000").username, "local");
  EXPECT_EQ(store.get("https://localhost:5000/v2/").username, "local");
  EXPECT_EQ(store.get("[::1]:6555").username, "six");
  EXPECT_TRUE(store.get("localhost:5001").empty());
}

TEST_F(CredentialStoreTest, StoreKeepsEverythingElseAndWritesPrivately) {
  const std::string original = R"({
  "auths": {"other.example.com": {"auth": ")" +
                               b64("o:p") + R"(", "email": "o@example.com"}},
  "psFormat": "table {{.ID}}",
  "zUnknown": {"nested": [1, 2.5, {"a": null}, true], "s": "é"},
  "HttpHeaders": {"X-Meta": "1"},
  "credHelpers": {}
})";
  write_config(original);
  ::chmod(config().c_str(), 0644);
  CredentialStore store(config());
  store.store("https://registry.example.com/v2/", user_pass("alice", "s3:cret"));

  auto before = nlohmann::json::parse(original);
  auto after = read_json(config());
  for (auto& [key, value] : before.items()) {
    if (key != "auths") {
      EXPECT_EQ(after[key], value) << key;
    }
  }
  EXPECT_EQ(after["auths"]["other.example.com"], before["auths"]["other.example.com"]);
  EXPECT_EQ(after["auths"]["registry.example.com"],
            nlohmann::json({{"auth", b64("alice:s3:cret")}}));
  EXPECT_EQ(mode_of(config()), 0600u);

  std::string text = fs::read_file(config());
  EXPECT_EQ(text.rfind("{\n\t\"auths\": {\n\t\t\"other.example.com\": {", 0), 0u) << text;
  // Key order as the user had it, new entries appended.
  EXPECT_LT(text.find("psFormat"), text.find("zUnknown"));
  EXPECT_LT(text.find("zUnknown"), text.find("HttpHeaders"));

  // Written by rename: nothing but config.json in the directory afterwards.
  EXPECT_EQ(system(("test $(ls -A '" + tmp_.path() + "/docker' | wc -l) -eq 1").c_str()), 0);

  EXPECT_EQ(CredentialStore(config()).get("registry.example.com"), user_pass("alice", "s3:cret"));
}

TEST_F(CredentialStoreTest, StoreCreatesPrivateDirectoryAndHubKey) {
  env_.unset("DOCKER_CONFIG");
  CredentialStore store;
  store.store("docker.io", Credentials{"alice", "", "refresh", "bearer"});
  std::string dir = tmp_.path() + "/home/.docker";
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir + "/config.json"), 0600u);
  auto doc = read_json(dir + "/config.json");
  EXPECT_EQ(
      doc, nlohmann::json::parse(R"({"auths": {"https://index.docker.io/v1/":
      {"auth": ")" + b64("alice:") +
                                 R"(", "identitytoken": "refresh", "registrytoken": "bearer"}}})"));
  EXPECT_EQ(store.get("registry-1.docker.io"), (Credentials{"alice", "", "refresh", "bearer"}));
  EXPECT_EQ(store.helper_for("docker.io"), "");
}

TEST_F(CredentialStoreTest, StoreIsPrivateWhateverTheUmask) {
  // The modes are hoist's own, not a restrictive umask's doing.
  mode_t old = ::umask(0);
  env_.set("DOCKER_CONFIG", tmp_.path() + "/fresh/docker");
  CredentialStore store;
  store.store("registry.example.com", user_pass("u", "p"));
  ::umask(old);
  EXPECT_EQ(mode_of(tmp_.path() + "/fresh"), 0700u);
  EXPECT_EQ(mode_of(tmp_.path() + "/fresh/docker"), 0700u);
  EXPECT_EQ(mode_of(tmp_.path() + "/fresh/docker/config.json"), 0600u);
}

TEST_F(CredentialStoreTest, StoreWritesThroughSymlinkedConfig) {
  std::string real = tmp_.path() + "/dotfiles/docker-config.json";
  fs::mkdir_p(tmp_.path() + "/dotfiles");
  fs::write_file_atomic(real, R"({"auths": {}, "detachKeys": "ctrl-x"})");
  fs::mkdir_p(tmp_.path() + "/docker");
  ASSERT_EQ(::symlink("../dotfiles/docker-config.json", config().c_str()), 0);
  CredentialStore(config()).store("ghcr.io", user_pass("u", "p"));
  struct stat st;
  ASSERT_EQ(::lstat(config().c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  auto doc = read_json(real);
  EXPECT_EQ(doc["detachKeys"], "ctrl-x");
  EXPECT_EQ(doc["auths"]["ghcr.io"]["auth"], b64("u:p"));
}

TEST_F(CredentialStoreTest, EraseRemovesEverySpellingOfTheHost) {
  write_config(R"({"auths": {
    "registry.example.com": {"auth": ")" +
               b64("a:1") + R"("},
    "https://registry.example.com": {"auth": ")" +
               b64("b:2") + R"("},
    "http://registry.example.com/v1/": {"auth": ")" +
               b64("c:3") + R"("},
    "registry.example.com:5000": {"auth": ")" +
               b64("d:4") + R"("}
  }, "currentContext": "default"})");
  CredentialStore store(config());
  EXPECT_TRUE(store.erase("https://registry.example.com/"));
  auto doc = read_json(config());
  EXPECT_EQ(doc["auths"].size(), 1u);
  EXPECT_TRUE(doc["auths"].contains("registry.example.com:5000"));
  EXPECT_EQ(doc["currentContext"], "default");
  EXPECT_TRUE(store.get("registry.example.com").empty());
  EXPECT_FALSE(store.erase("registry.example.com"));
}

TEST_F(CredentialStoreTest, HelperStoreGetErase) {
  write_config(R"({"credsStore": "test", "auths": {}})");
  CredentialStore store(config());
  EXPECT_EQ(store.helper_for("registry.example.com"), "test");
  store.store("registry.example.com", user_pass("alice", "pa:ss"));
  // Secrets go to the helper; docker's empty placeholder entry goes to the file.
  EXPECT_EQ(read_json(config())["auths"], nlohmann::json::parse(R"({"registry.example.com": {}})"));
  EXPECT_EQ(fs::read_file(state("test") + "/registry.example.com"),
            R"({"ServerURL":"registry.example.com","Username":"alice","Secret":"pa:ss"})"
            "\n");
  EXPECT_EQ(store.get("registry.example.com"), user_pass("alice", "pa:ss"));
  EXPECT_EQ(fs::read_file(state("test") + "/request"), "registry.example.com");  // no newline

  // Not found in the helper: no credentials, not an error.
  EXPECT_TRUE(store.get("nothing.example.com").empty());

  EXPECT_TRUE(store.erase("registry.example.com"));
  EXPECT_FALSE(fs::exists(state("test") + "/registry.example.com"));
  EXPECT_FALSE(read_json(config())["auths"].contains("registry.example.com"));
  EXPECT_FALSE(store.erase("registry.example.com"));
  EXPECT_EQ(helper_log("test"),
            "store registry.example.com\n"
            "get registry.example.com\n"
            "get nothing.example.com\n"
            "erase registry.example.com\n"
            "erase http://registry.example.com\n"
            "erase https://registry.example.com\n"
            "erase registry.example.com\n"
            "erase http://registry.example.com\n"
            "erase https://registry.example.com\n");
}

TEST_F(CredentialStoreTest, HelperIdentityTokenUsesTokenUsername) {
  write_config(R"({"credsStore": "test"})");
  CredentialStore store(config());
  store.store("docker.io", Credentials{"alice", "", "refresh-1", ""});
  EXPECT_EQ(
      fs::read_file(state("test") + "/https___index.docker.io_v1_"),
      R"({"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"refresh-1"})"
      "\n");
  EXPECT_EQ(store.get("index.docker.io"), (Credentials{"", "", "refresh-1", ""}));
  // A plain file entry is not consulted when a helper is configured, as in docker.
  write_config(R"({"credsStore": "test", "auths": {"ghcr.io": {"auth": ")" + b64("file:pw") +
               R"("}}})");
  EXPECT_TRUE(store.get("ghcr.io").empty());
}

TEST_F(CredentialStoreTest, CredHelpersOverrideCredsStore) {
  write_helper("other");
  seed_helper("other", "registry.example.com", "per-registry", "pw1");
  seed_helper("test", "registry.example.com", "default", "pw2");
  seed_helper("test", "quay.io", "default", "pw3");
  write_config(R"({"credsStore": "test", "credHelpers": {"registry.example.com": "other"}})");
  CredentialStore store(config());
  EXPECT_EQ(store.get("registry.example.com"), user_pass("per-registry", "pw1"));
  EXPECT_EQ(store.get("quay.io"), user_pass("default", "pw3"));
  EXPECT_EQ(store.helper_for("https://registry.example.com/v2/"), "other");
  store.store("registry.example.com", user_pass("new", "pw4"));
  EXPECT_EQ(CredentialStore(config()).get("registry.example.com"), user_pass("new", "pw4"));
  EXPECT_EQ(helper_log("test"), "get quay.io\n");
}

TEST_F(CredentialStoreTest, FailingHelperIsAnErrorNamingIt) {
  write_config(R"({"credsStore": "broken", "credHelpers": {"gone.example.com": "missing"},
                   "auths": {"registry.example.com": {}}})");
  CredentialStore store(config());
  std::string err = error_of([&] { store.get("registry.example.com"); });
  EXPECT_NE(err.find("docker-credential-broken get failed (exit status 3): boom: keychain locked"),
            std::string::npos)
      << err;
  err = error_of([&] { store.store("registry.example.com", user_pass("a", "b")); });
  EXPECT_NE(err.find("docker-credential-broken store failed"), std::string::npos) << err;
  err = error_of([&] { store.get("gone.example.com"); });
  EXPECT_NE(err.find("docker-credential-missing: executable file not found in $PATH"),
            std::string::npos)
      << err;

  // logout still removes the file entry; with nothing removed the helper failure surfaces.
  EXPECT_TRUE(store.erase("registry.example.com"));
  err = error_of([&] { store.erase("registry.example.com"); });
  EXPECT_NE(err.find("docker-credential-broken erase failed"), std::string::npos) << err;
}

TEST_F(CredentialStoreTest, HelperInvalidAnswerDoesNotLeakOutput) {
  write_script("garbled", "cat >/dev/null\necho 'not json sekrit'\n");
  write_config(R"({"credsStore": "garbled"})");
  std::string err = error_of([&] { CredentialStore(config()).get("x.example.com"); });
  EXPECT_NE(err.find("docker-credential-garbled get: invalid JSON answer"), std::string::npos)
      << err;
  EXPECT_EQ(err.find("sekrit"), std::string::npos);
}

TEST_F(CredentialStoreTest, FailingHelperNeverQuotesTheSecret) {
  // A store that echoes its request (stdout, or stderr when stdout is empty) and fails.
  write_script("echo-out", "cat\nexit 1\n");
  write_script("echo-err", "cat >&2\nprintf 'raw %s' 'pa\"ss-sekrit' >&2\nexit 1\n");
  // A get that prints a whole answer, then fails.
  write_script("answers-then-fails",
               "cat >/dev/null\necho '{\"Username\":\"u\",\"Secret\":\"get-sekrit\"}'\nexit 1\n");
  for (const char* helper : {"echo-out", "echo-err"}) {
    write_config(std::string(R"({"credsStore": ")") + helper + R"("})");
    std::string err =
        error_of([&] { CredentialStore(config()).store("registry.example.com", user_pass("alice", "pa\"ss-sekrit")); });
    EXPECT_NE(err.find(std::string("docker-credential-") + helper + " store failed (exit status 1)"),
              std::string::npos)
        << err;
    EXPECT_EQ(err.find("sekrit"), std::string::npos) << err;
  }
  // Echoed in a form that is not JSON, the rest of the message stays readable.
  write_script("says-raw", "cat >/dev/null\nprintf 'cannot store raw-sekrit: vault sealed (*)'\nexit 2\n");
  write_config(R"({"credsStore": "says-raw"})");
  std::string err = error_of([&] { CredentialStore(config()).store("r.example.com", user_pass("a", "raw-sekrit")); });
  EXPECT_NE(err.find("failed (exit status 2): cannot store ********: vault sealed (*)"), std::string::npos) << err;
  // A secret its own mask contains is masked all the same, and the masking ends.
  err = error_of([&] { CredentialStore(config()).store("r.example.com", user_pass("a", "*")); });
  EXPECT_NE(err.find("failed (exit status 2): cannot store raw-sekrit: vault sealed (********)"), std::string::npos)
      << err;

  write_config(R"({"credsStore": "answers-then-fails"})");
  err = error_of([&] { CredentialStore(config()).get("registry.example.com"); });
  EXPECT_NE(err.find("docker-credential-answers-then-fails get failed (exit status 1)"), std::string::npos) << err;
  EXPECT_EQ(err.find("sekrit"), std::string::npos) << err;
}

TEST_F(CredentialStoreTest, PodmanAuthFileIsAReadOnlyFallback) {
  std::string runtime = tmp_.path() + "/run";
  fs::mkdir_p(runtime + "/containers");
  std::string auth_json = runtime + "/containers/auth.json";
  const std::string podman = R"({"auths": {
    "docker.io": {"auth": ")" +
                             b64("hubuser:hubpw") + R"("},
    "https://quay.io/v1/": {"auth": ")" +
                             b64("quser:qpw") + R"("},
    "both.example.com": {"auth": ")" +
                             b64("podman:x") + R"("}
  }})";
  fs::write_file_atomic(auth_json, podman, 0600);
  write_config(R"({"auths": {"both.example.com": {"auth": ")" + b64("docker:y") + R"("}}})");
  env_.set("XDG_RUNTIME_DIR", runtime);
  CredentialStore store;
  EXPECT_EQ(store.get("registry-1.docker.io"), user_pass("hubuser", "hubpw"));
  EXPECT_EQ(store.get("quay.io"), user_pass("quser", "qpw"));
  EXPECT_EQ(store.get("both.example.com"), user_pass("docker", "y"));  // docker config first

  store.store("quay.io", user_pass("new", "pw"));
  EXPECT_EQ(fs::read_file(auth_json), podman);
  EXPECT_EQ(store.get("quay.io"), user_pass("new", "pw"));

  env_.set("REGISTRY_AUTH_FILE", tmp_.path() + "/nonexistent.json");
  EXPECT_TRUE(CredentialStore().get("registry-1.docker.io").empty());
}

TEST_F(CredentialStoreTest, MalformedConfigIsOneLineNamingTheFile) {
  CredentialStore store(config());
  const std::pair<std::string, std::string> cases[] = {
      {"{\n  \"auths\": {\n    \"x\": {\"auth\": \"abc\"\n  }\n",
       "invalid JSON at line 5, column 1"},
      {"{\"auths\": {}} trailing", "invalid JSON at line 1"},
      {"[]", "not a JSON object"},
      {R"({"auths": []})", "auths is not an object"},
      {R"({"auths": {"x": {"auth": 5}}})", "auths.\"x\".auth is not a string"},
      {R"({"auths": {"x": {"auth": "!!!="}}})", "auths.\"x\".auth is not valid base64"},
      {R"({"auths": {"x": {"auth": ")" + b64(":nouser") + R"("}}})",
       "is not base64 of user:password"},
      {R"({"credHelpers": {"x": 1}})", "credHelpers.\"x\" is not a string"},
      {R"({"credsStore": true})", "credsStore is not a string"},
  };
  for (const auto& [text, want] : cases) {
    write_config(text);
    for (auto op : {std::function<void()>([&] { store.get("x"); }),
                    std::function<void()>([&] { store.store("x", user_pass("u", "p")); }),
                    std::function<void()>([&] { store.erase("x"); })}) {
      std::string err = error_of(op);
      EXPECT_EQ(err.rfind(config() + ": ", 0), 0u) << text << " -> " << err;
      EXPECT_NE(err.find(want), std::string::npos) << text << " -> " << err;
      EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    }
    EXPECT_EQ(fs::read_file(config()), text);  // never rewritten
  }
}

TEST(CredentialProcessRunner, PassesInputAndCollectsOutputs) {
  publish::SystemProcessRunner runner;
  auto r = runner.run({"sh", "-c", "cat; echo oops >&2; exit 7"}, "hello");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.out, "hello");
  EXPECT_EQ(r.err, "oops\n");
  // A child that never reads its stdin must not kill us with SIGPIPE.
  r = runner.run({"true"}, std::string(4 << 20, 'x'));
  EXPECT_EQ(r.exit_code, 0);
  r = runner.run({"sh", "-c", "kill -TERM $$"}, "");
  EXPECT_EQ(r.exit_code, 128 + SIGTERM);
}

TEST(CredentialProcessRunner, TimesOutAndKills) {
  publish::SystemProcessRunner runner(std::chrono::milliseconds(200));
  std::string err = error_of([&] { runner.run({"sleep", "30"}, ""); });
  EXPECT_NE(err.find("sleep 30: timed out after 200ms"), std::string::npos) << err;
  // Output pipes closed but the process still running is a timeout too.
  err = error_of([&] { runner.run({"sh", "-c", "exec >&- 2>&-; exec sleep 30"}, ""); });
  EXPECT_NE(err.find("timed out"), std::string::npos) << err;
}

TEST(CredentialProcessRunner, LooksUpPath) {
  EXPECT_EQ(publish::find_executable("definitely-not-a-program-xyz"), "");
  EXPECT_EQ(publish::find_executable("/bin/sh"), "/bin/sh");
  EXPECT_NE(publish::find_executable("sh"), "");
  publish::SystemProcessRunner runner;
  std::string err = error_of([&] { runner.run({"definitely-not-a-program-xyz"}, ""); });
  EXPECT_EQ(err, "definitely-not-a-program-xyz: executable file not found in $PATH");
}
