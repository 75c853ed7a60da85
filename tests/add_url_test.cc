// ADD of http(s) URLs: the download (name, mtime, digest, --checksum,
// errors) against a real HTTP server on 127.0.0.1, and the download turned
// into a copy_files source end to end.
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "builder/add_url.h"
#include "builder/add_url_source.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "oci/digest.h"
#include "publish/http_client.h"
#include "tests/copy_fixture.h"
#include "tests/test_support.h"

namespace hoist::test {
namespace {

using Tree = std::map<std::string, std::string>;

// The bytes of a generated body: a pattern that does not repeat every power of two.
char pattern_byte(uint64_t i) { return static_cast<char>((i * 7 + (i >> 12)) & 0xff); }

struct Reply {
  int status = 200;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  uint64_t generated = 0;  // when set, the body is this many pattern_byte()s, written as it goes
};

// An HTTP/1.1 server on 127.0.0.1 at a free port, in a thread: one
// connection at a time, one request per connection, each answered from a
// table keyed by the request target (path and query), else by the path
// alone, else 404.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::map<std::string, Reply> routes) : routes_(std::move(routes)) {
    listen_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listen_.valid()) throw_sys("socket", "127.0.0.1");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw_sys("bind", "127.0.0.1");
    if (::listen(listen_.get(), 16) != 0) throw_sys("listen", "127.0.0.1");
    if (::getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) throw_sys("getsockname", "");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    ::shutdown(listen_.get(), SHUT_RDWR);  // wakes accept()
    thread_.join();
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string url(const std::string& target) const { return "http://127.0.0.1:" + std::to_string(port_) + target; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

  // The request targets received so far, in order.
  std::vector<std::string> targets() const {
    std::lock_guard lock(mutex_);
    return targets_;
  }

 private:
  void serve() {
    for (;;) {
      UniqueFd conn(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!conn.valid()) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // shut down
      }
      answer(conn.get());
    }
  }

  void answer(int fd) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      request.append(buf, static_cast<size_t>(n));
    }
    // "GET /target HTTP/1.1"
    size_t sp1 = request.find(' '), sp2 = request.find(' ', sp1 + 1);
    const std::string target = request.substr(sp1 + 1, sp2 - sp1 - 1);
    {
      std::lock_guard lock(mutex_);
      targets_.push_back(target);
    }
    Reply reply{404, {}, "no such route"};
    if (auto it = routes_.find(target); it != routes_.end()) {
      reply = it->second;
    } else if (auto p = routes_.find(target.substr(0, target.find('?'))); p != routes_.end()) {
      reply = p->second;
    }
    const uint64_t size = reply.generated ? reply.generated : reply.body.size();
    std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " Whatever\r\nContent-Length: " +
                       std::to_string(size) + "\r\nConnection: close\r\n";
    for (const auto& h : reply.headers) head += h + "\r\n";
    head += "\r\n";
    if (!send_all(fd, head.data(), head.size())) return;
    if (!reply.generated) {
      send_all(fd, reply.body.data(), reply.body.size());
      return;
    }
    std::string chunk;
    for (uint64_t at = 0; at < size; at += chunk.size()) {
      chunk.resize(static_cast<size_t>(std::min<uint64_t>(64 << 10, size - at)));
      for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = pattern_byte(at + i);
      if (!send_all(fd, chunk.data(), chunk.size())) return;
    }
  }

  static bool send_all(int fd, const char* data, size_t size) {
    while (size > 0) {
      ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;  // the client hung up
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  std::map<std::string, Reply> routes_;
  UniqueFd listen_;
  uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::string> targets_;
  std::thread thread_;
};

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) throw_sys("opendir", dir);
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  return out;
}

struct stat stat_of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw_sys("stat", path);
  return st;
}

const std::string kBody = "payload\n";
const std::string kLastModified = "Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT";
constexpr int64_t kLastModifiedEpoch = 1445412480;
const std::string kSha384 =
    "sha384:eee80743d6391b731b190f211f8c1beffedebd0b1e678f22d69548a140c47a0e161c87eca38eab1905464065fa584ad5";
const std::string kSha512 =
    "sha512:1cc3d69fb53c1f5c51fcce0a754b837cdf76de1b2ee39b467bb337b89459ff6f91bb9888c0546999ae3b87e673bc145201f48a7ae02"
    "3ca9153a3e783ebb8086a";

// A proxy from the environment must not see the loopback server's requests.
struct NoProxy {
  NoProxy() {
    for (const char* name : {"no_proxy", "NO_PROXY"}) env.set(name, "127.0.0.1");
  }
  EnvGuard env;
};

class AddUrl : public ::testing::Test {
 protected:
  NoProxy no_proxy;
  builder::UrlDownload download(const std::string& url, const std::string& checksum = "") {
    return builder::download_for_add(*http, url, checksum, dir);
  }

  fs::TempDir tmp;
  std::string dir = tmp.path();
  std::unique_ptr<publish::HttpClient> http = publish::make_curl_client();
};

TEST_F(AddUrl, DownloadsWithNameDigestAndLastModified) {
  LoopbackServer server({{"/files/tool.tar.gz", {200, {kLastModified}, kBody}}});
  auto d = download(server.url("/files/tool.tar.gz"));
  EXPECT_EQ(d.name, "tool.tar.gz");
  EXPECT_EQ(d.digest, oci::Digest::of(kBody));
  EXPECT_EQ(d.mtime, kLastModifiedEpoch);
  EXPECT_EQ(d.path.substr(0, dir.size() + 1), dir + "/");
  EXPECT_EQ(entries(dir), std::vector<std::string>{d.path.substr(dir.size() + 1)});
  EXPECT_EQ(fs::read_file(d.path), kBody);
  struct stat st = stat_of(d.path);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_mtime, kLastModifiedEpoch);
}

TEST_F(AddUrl, WithoutLastModifiedTheFileHasTheEpoch) {
  LoopbackServer server({{"/plain", {200, {}, kBody}}});
  auto d = download(server.url("/plain"));
  EXPECT_EQ(d.mtime, std::nullopt);
  EXPECT_EQ(stat_of(d.path).st_mtime, 0);
}

TEST_F(AddUrl, LastModifiedInEachHttpDateFormat) {
  LoopbackServer server({{"/rfc1123", {200, {kLastModified}, kBody}},
                         {"/rfc850", {200, {"Last-Modified: Wednesday, 21-Oct-15 07:28:00 GMT"}, kBody}},
                         {"/asctime", {200, {"Last-Modified: Wed Oct 21 07:28:00 2015"}, kBody}},
                         {"/bogus", {200, {"Last-Modified: yesterday"}, kBody}}});
  for (const char* format : {"/rfc1123", "/rfc850", "/asctime"}) {
    EXPECT_EQ(download(server.url(format)).mtime, kLastModifiedEpoch) << format;
  }
  auto bogus = download(server.url("/bogus"));
  EXPECT_EQ(bogus.mtime, std::nullopt);
  EXPECT_EQ(stat_of(bogus.path).st_mtime, 0);
}

TEST_F(AddUrl, QueryStringIsSentButNotPartOfTheName) {
  LoopbackServer server({{"/dl/app.bin?version=2&arch=amd64", {200, {}, kBody}}});
  auto d = download(server.url("/dl/app.bin?version=2&arch=amd64#notes"));
  EXPECT_EQ(d.name, "app.bin");
  EXPECT_EQ(fs::read_file(d.path), kBody);
  EXPECT_EQ(server.targets(), std::vector<std::string>{"/dl/app.bin?version=2&arch=amd64"});
}

TEST_F(AddUrl, FollowsRedirectsAndKeepsTheNameOfTheUrlAsWritten) {
  LoopbackServer server({{"/latest", {302, {"Location: /files/v2.txt"}, ""}},
                         {"/files/v2.txt", {200, {kLastModified}, kBody}}});
  auto d = download(server.url("/latest"));
  EXPECT_EQ(d.name, "latest");
  EXPECT_EQ(fs::read_file(d.path), kBody);
  EXPECT_EQ(d.mtime, kLastModifiedEpoch);  // the final response's
  EXPECT_EQ(server.targets(), (std::vector<std::string>{"/latest", "/files/v2.txt"}));
}

TEST_F(AddUrl, ChecksumThatMatches) {
  LoopbackServer server({{"/f", {200, {}, kBody}}});
  const std::string sha256 = oci::Digest::of(kBody).str();
  for (const std::string& sum : {sha256, kSha384, kSha512}) {
    auto d = download(server.url("/f"), sum);
    EXPECT_EQ(d.digest.str(), sha256) << sum;  // always the sha256, whatever --checksum used
    EXPECT_EQ(fs::read_file(d.path), kBody);
  }
}

TEST_F(AddUrl, ChecksumMismatchLeavesNothing) {
  LoopbackServer server({{"/f", {200, {}, kBody}}});
  const std::string want = "sha256:" + std::string(64, 'a');
  EXPECT_EQ(error_of([&] { download(server.url("/f"), want); }),
            "ADD " + server.url("/f") + ": checksum mismatch: got " + oci::Digest::of(kBody).str() + ", want " + want);
  const std::string want512 = "sha512:" + std::string(128, '0');
  EXPECT_EQ(error_of([&] { download(server.url("/f"), want512); }),
            "ADD " + server.url("/f") + ": checksum mismatch: got " + kSha512 + ", want " + want512);
  EXPECT_TRUE(entries(dir).empty());
}

TEST_F(AddUrl, NotFoundNamesTheUrlAndStatus) {
  LoopbackServer server({});
  EXPECT_EQ(error_of([&] { download(server.url("/missing.txt")); }), "ADD " + server.url("/missing.txt") + ": HTTP 404");
  EXPECT_TRUE(entries(dir).empty());
}

TEST_F(AddUrl, StatusAfterARedirectNamesWhereItCameFrom) {
  LoopbackServer server({{"/old", {301, {"Location: /gone"}, ""}}, {"/gone", {410, {}, "gone"}}});
  EXPECT_EQ(error_of([&] { download(server.url("/old")); }),
            "ADD " + server.url("/old") + ": HTTP 410 from " + server.url("/gone"));
  EXPECT_TRUE(entries(dir).empty());
}

TEST_F(AddUrl, PasswordInTheUrlIsNotShown) {
  LoopbackServer server({});
  EXPECT_EQ(error_of([&] { download("http://ci:s3cret@" + server.host() + "/x"); }),
            "ADD http://ci:xxxxx@" + server.host() + "/x: HTTP 404");
}

TEST_F(AddUrl, RefusedConnectionLeavesNothing) {
  std::string url;
  {
    LoopbackServer gone({});
    url = gone.url("/x");
  }  // closed: nothing listens on that port now
  std::string message = error_of([&] { download(url); });
  EXPECT_EQ(message.substr(0, url.size() + 6), "ADD " + url + ": ") << message;
  EXPECT_TRUE(entries(dir).empty());
}

TEST_F(AddUrl, LargeBodyIsStreamedToTheFile) {
  constexpr uint64_t kSize = 20 << 20;
  LoopbackServer server({{"/big.bin", {200, {}, "", kSize}}});
  oci::Sha256 expected;
  std::string chunk(1 << 16, '\0');
  for (uint64_t at = 0; at < kSize; at += chunk.size()) {
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = pattern_byte(at + i);
    expected.update(chunk);
  }
  auto d = download(server.url("/big.bin"));
  EXPECT_EQ(d.digest, expected.finish());
  EXPECT_EQ(static_cast<uint64_t>(stat_of(d.path).st_size), kSize);
}

TEST_F(AddUrl, MalformedChecksumFailsBeforeAnyRequest) {
  LoopbackServer server({{"/f", {200, {}, kBody}}});
  EXPECT_EQ(error_of([&] { download(server.url("/f"), "md5:d41d8cd98f00b204e9800998ecf8427e"); }),
            "ADD --checksum=md5:d41d8cd98f00b204e9800998ecf8427e: unsupported digest algorithm \"md5\" (sha256, "
            "sha384 or sha512)");
  EXPECT_TRUE(server.targets().empty());
  EXPECT_TRUE(entries(dir).empty());
}

TEST_F(AddUrl, GitRepositoryIsRefusedBeforeAnyRequest) {
  LoopbackServer server({});
  EXPECT_EQ(error_of([&] { download(server.url("/org/repo.git")); }),
            "ADD " + server.url("/org/repo.git") + ": git repositories are not supported by this hoist yet");
  EXPECT_TRUE(server.targets().empty());
}

TEST(AddUrlChecksum, Validation) {
  const std::string hex64(64, 'a');
  for (const std::string& ok : {std::string(), "sha256:" + hex64, "sha384:" + std::string(96, '0'),
                                "sha512:" + std::string(128, 'f')}) {
    EXPECT_EQ(error_of([&] { builder::validate_add_checksum(ok); }), "") << ok;
  }
  const std::string format = ": invalid checksum digest format (expected sha256:<hex>)";
  const std::map<std::string, std::string> bad = {
      {"sha256", format},
      {":" + hex64, format},
      {"sha256:", format},
      {"sha 256:" + hex64, format},
      {"sha1:zz", format},
      {"md5:d41d8cd98f00b204e9800998ecf8427e", ": unsupported digest algorithm \"md5\" (sha256, sha384 or sha512)"},
      {"SHA256:" + hex64, ": unsupported digest algorithm \"SHA256\" (sha256, sha384 or sha512)"},
      {"sha256:abc", ": invalid checksum digest length: 3 hex digits, sha256 has 64"},
      {"sha512:" + hex64, ": invalid checksum digest length: 64 hex digits, sha512 has 128"},
      {"sha256:" + std::string(64, 'A'), ": invalid checksum digest format (the digits must be lowercase hex)"},
      {"sha256:" + std::string(63, 'a') + "g", ": invalid checksum digest format (the digits must be lowercase hex)"},
  };
  for (const auto& [value, why] : bad) {
    EXPECT_EQ(error_of([&] { builder::validate_add_checksum(value); }), "ADD --checksum=" + value + why) << value;
  }
}

TEST(AddUrlNames, AsBuildKitNamesTheFile) {
  const std::map<std::string, std::string> names = {
      {"http://h/files/tool.tar.gz", "tool.tar.gz"},
      {"https://h/dl/app.bin?version=2&arch=amd64#frag", "app.bin"},
      {"http://user:pw@h:8080/v1/file.txt", "file.txt"},
      {"http://h/dir/", "dir"},
      {"http://h/", "__unnamed__"},
      {"http://h", "__unnamed__"},
      {"http://h?x=1", "__unnamed__"},
      {"http://h/a%20b.txt", "a b.txt"},
      {"http://h/a%2Fb", "b"},
      {"http://h/%5Bv1%5D.txt", "[v1].txt"},
      {"http://h/bad%zz", "__unnamed__"},
      {"http://h/bad%2", "__unnamed__"},
      {"http://h/..", "download"},
      {"http://h/x/%2e%2e", "download"},
      {"http://h/a%0Ab", "download"},
      {"http://h/%20x.txt%20", "x.txt"},
  };
  for (const auto& [url, name] : names) EXPECT_EQ(builder::url_file_name(url), name) << url;
}

TEST(AddUrlKinds, RemoteAndGitSources) {
  struct Case {
    const char* source;
    bool remote, git;
  };
  for (const Case& c : std::vector<Case>{
           {"http://h/x", true, false},
           {"https://h/x.tar.gz?sig=1", true, false},
           {"https://github.com/moby/buildkit.git", true, true},
           {"https://github.com/moby/buildkit.git#v0.10.1", true, true},
           {"https://h/x.git?ref=main", true, true},
           {"git@github.com:moby/buildkit.git", true, true},
           {"git@github.com:moby/buildkit", true, true},
           {"git://h/repo", true, true},
           {"GIT://h/repo", true, true},
           {"ssh://git@h/repo.git", true, true},
           {"github.com/moby/buildkit", false, false},
           {"src/app.conf", false, false},
           {"./x.git", false, false},
           {"/abs", false, false},
           {"file:///etc/passwd", false, false},
           {"ftp://h/x", false, false},
           {"a@b", false, false},
           {"./a@b:c", false, false},
       }) {
    EXPECT_EQ(builder::is_remote_url(c.source), c.remote) << c.source;
    EXPECT_EQ(builder::is_git_url(c.source), c.git) << c.source;
  }
}

TEST(AddUrlRedact, PasswordOnly) {
  EXPECT_EQ(builder::redact_url("https://u:p@h/x"), "https://u:xxxxx@h/x");
  EXPECT_EQ(builder::redact_url("https://u:p@h"), "https://u:xxxxx@h");
  EXPECT_EQ(builder::redact_url("https://u@h/x"), "https://u@h/x");
  EXPECT_EQ(builder::redact_url("https://h/a:b@c"), "https://h/a:b@c");
}

// The glue: a request with URL sources copied by copy_files into a layer.
class AddUrlCopy : public CopyFixture {
 protected:
  builder::CopyRequest add(std::vector<std::string> sources, std::string dest) const {
    auto r = request(std::move(sources), std::move(dest));
    r.add = true;
    r.keyword = "ADD";
    return r;
  }
  builder::AddUrlSources fetch(const builder::CopyRequest& r, const std::string& checksum = "") {
    return builder::download_url_sources(*http, r, checksum, scratch);
  }
  void copy(const builder::AddUrlSources& s) { builder::copy_url_sources(s, image, layer); }

  NoProxy no_proxy;
  std::string scratch = tmp.path() + "/scratch";
  std::unique_ptr<publish::HttpClient> http = publish::make_curl_client();
};

TEST_F(AddUrlCopy, UrlIntoADirectory) {
  LoopbackServer server({{"/conf/app.conf", {200, {kLastModified}, kBody}}});
  auto s = fetch(add({server.url("/conf/app.conf")}, "/etc/app/"));
  ASSERT_EQ(s.requests.size(), 1u);
  ASSERT_EQ(s.downloads.size(), 1u);
  EXPECT_EQ(s.downloads[0].name, "app.conf");
  EXPECT_EQ(s.downloads[0].path, scratch + "/0/app.conf");
  EXPECT_FALSE(s.requests[0].add);  // never extracted
  copy(s);
  EXPECT_EQ(result(), (Tree{{"/etc", dir_line(0755)},
                            {"/etc/app", dir_line(0755)},
                            {"/etc/app/app.conf", file_line(0600, kBody, kLastModifiedEpoch)}}));
}

TEST_F(AddUrlCopy, UrlToAFilePathRelativeToWorkdirWithChmodAndChown) {
  LoopbackServer server({{"/releases/tool-v1", {200, {}, kBody}}});
  auto r = add({server.url("/releases/tool-v1")}, "bin/tool");
  r.workdir = "/opt";
  r.chmod = "755";
  r.chown = builder::Owner{7, 8};
  copy(fetch(r));
  EXPECT_EQ(result(), (Tree{{"/opt", dir_line(0755, 7, 8)},
                            {"/opt/bin", dir_line(0755, 7, 8)},
                            {"/opt/bin/tool", file_line(0755, kBody, 0, 7, 8)}}));
}

TEST_F(AddUrlCopy, RemoteArchiveIsNotExtracted) {
  tarball(tmp.path() + "/a.tar", ARCHIVE_FILTER_NONE, {{"t/", ""}, {"t/f", "in"}});
  const std::string tar = fs::read_file(tmp.path() + "/a.tar");
  LoopbackServer server({{"/a.tar", {200, {}, tar}}});
  copy(fetch(add({server.url("/a.tar")}, "/x/")));
  EXPECT_EQ(result(), (Tree{{"/x", dir_line(0755)}, {"/x/a.tar", file_line(0600, tar, 0)}}));
}

TEST_F(AddUrlCopy, UrlsAmongContextFilesKeepTheirOrderAndTheDestinationItsTimes) {
  dir(image, "app", 0750, 0, 0, 1600000000);
  file(ctx, "local.txt", "local");
  file(ctx, "z.txt", "z");
  tarball(ctx + "/bundle.tar", ARCHIVE_FILTER_NONE, {{"t/", ""}, {"t/f", "in"}});
  LoopbackServer server({{"/conf/app.conf", {200, {kLastModified}, kBody}}});
  auto s = fetch(add({"local.txt", server.url("/conf/app.conf"), "bundle.tar", "z.txt"}, "/app/"));
  ASSERT_EQ(s.requests.size(), 3u);
  EXPECT_EQ(s.requests[0].source_root, ctx);
  EXPECT_EQ(s.requests[1].source_root, scratch);
  EXPECT_TRUE(s.requests[2].add);  // the context's archive is extracted
  copy(s);
  EXPECT_EQ(result(), (Tree{{"/app", dir_line(0750)},
                            {"/app/local.txt", file_line(0644, "local")},
                            {"/app/app.conf", file_line(0600, kBody, kLastModifiedEpoch)},
                            {"/app/t", dir_line(0750, 7, 8)},
                            {"/app/t/f", file_line(0640, "in", 1500000000, 7, 8)},
                            {"/app/z.txt", file_line(0644, "z")}}));
  EXPECT_EQ(stat_of(layer + "/app").st_mtime, 1600000000);  // as the image has it, after three copies into it
}

TEST_F(AddUrlCopy, SeveralSourcesNeedADirectory) {
  file(ctx, "local.txt", "local");
  LoopbackServer server({{"/a.conf", {200, {}, kBody}}});
  auto s = fetch(add({server.url("/a.conf"), "local.txt"}, "/app"));
  EXPECT_EQ(test::error_of([&] { copy(s); }),
            "When using ADD with more than one source file, the destination must be a directory and end with a /: /app");
  EXPECT_TRUE(result().empty());
  // Unless it is one in the image.
  dir(image, "app");
  copy(s);
  EXPECT_EQ(result().at("/app/a.conf"), file_line(0600, kBody, 0));
  EXPECT_EQ(result().at("/app/local.txt"), file_line(0644, "local"));
}

TEST_F(AddUrlCopy, TwoUrlsWithOneNameTheLaterWins) {
  LoopbackServer server({{"/a/x.txt", {200, {}, "first"}}, {"/b/x.txt", {200, {}, "second"}}});
  copy(fetch(add({server.url("/a/x.txt"), server.url("/b/x.txt")}, "/d/")));
  EXPECT_EQ(result(), (Tree{{"/d", dir_line(0755)}, {"/d/x.txt", file_line(0600, "second", 0)}}));
}

TEST_F(AddUrlCopy, NameWithWildcardCharactersIsCopiedAsItIs) {
  LoopbackServer server({{"/%5Bv1%5D*.txt", {200, {}, kBody}}, {"/.env", {200, {}, "E=1"}}});
  copy(fetch(add({server.url("/%5Bv1%5D*.txt"), server.url("/.env")}, "/d/")));
  EXPECT_EQ(result(), (Tree{{"/d", dir_line(0755)},
                            {"/d/.env", file_line(0600, "E=1", 0)},
                            {"/d/[v1]*.txt", file_line(0600, kBody, 0)}}));
}

TEST_F(AddUrlCopy, ChecksumIsChecked) {
  LoopbackServer server({{"/f.bin", {200, {}, kBody}}});
  auto s = fetch(add({server.url("/f.bin")}, "/f.bin"), kSha512);
  EXPECT_EQ(s.downloads.at(0).digest, oci::Digest::of(kBody));
  const std::string wrong = "sha256:" + std::string(64, '0');
  EXPECT_EQ(test::error_of([&] { fetch(add({server.url("/f.bin")}, "/f.bin"), wrong); }),
            "ADD " + server.url("/f.bin") + ": checksum mismatch: got " + oci::Digest::of(kBody).str() + ", want " +
                wrong);
}

TEST_F(AddUrlCopy, RefusedBeforeAnyDownload) {
  file(ctx, "local.txt", "local");
  LoopbackServer server({{"/f", {200, {}, kBody}}});
  const std::string sum = oci::Digest::of(kBody).str();
  EXPECT_EQ(test::error_of([&] { fetch(add({server.url("/f"), "local.txt"}, "/d/"), sum); }),
            "checksum can't be specified for multiple sources");
  EXPECT_EQ(test::error_of([&] { fetch(add({"local.txt"}, "/d/"), sum); }),
            "checksum can't be specified for non-HTTP(S) sources");
  EXPECT_EQ(test::error_of([&] { fetch(add({server.url("/f")}, "/d/"), "sha256:123"); }),
            "ADD --checksum=sha256:123: invalid checksum digest length: 3 hex digits, sha256 has 64");
  EXPECT_EQ(test::error_of([&] { fetch(request({server.url("/f")}, "/d/")); }), "source can't be a URL for COPY");
  EXPECT_EQ(test::error_of([&] { fetch(request({"local.txt"}, "/d/"), sum); }), "checksum can't be specified for COPY");
  EXPECT_EQ(test::error_of([&] { fetch(add({server.url("/f"), "git@github.com:moby/buildkit.git"}, "/d/")); }),
            "ADD git@github.com:moby/buildkit.git: git repositories are not supported by this hoist yet");
  EXPECT_TRUE(server.targets().empty());
}

TEST_F(AddUrlCopy, RequestWithoutUrlsIsUnchanged) {
  file(ctx, "local.txt", "local");
  auto s = fetch(add({"local.txt"}, "/d/"));
  ASSERT_EQ(s.requests.size(), 1u);
  EXPECT_TRUE(s.downloads.empty());
  EXPECT_EQ(s.requests[0].source_root, ctx);
  EXPECT_TRUE(s.requests[0].add);
  copy(s);
  EXPECT_EQ(result(), (Tree{{"/d", dir_line(0755)}, {"/d/local.txt", file_line(0644, "local")}}));
}

}  // namespace
}  // namespace hoist::test
