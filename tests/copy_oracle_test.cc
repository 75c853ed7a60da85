// COPY/ADD against buildah, which follows BuildKit here: each case is built
// by `buildah bud` on a base image made from the same root filesystem, and
// the result must equal that base with hoist's layer laid over it (type,
// mode, owner, content, link target, file mtime). Cases where buildah 1.28
// differs from BuildKit are not here but in copy_files_test.cc:
// - a wildcard matching nothing (buildah: error; BuildKit: allowed);
// - several sources to a missing destination without `/` (buildah makes a
//   directory; hoist gives Docker's error);
// - --chmod with a symbolic mode, --exclude, --parents, heredocs (buildah
//   1.28 has none of them).
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <functional>

#include "builder/passwd.h"
#include "tests/copy_fixture.h"

namespace hoist::test {
namespace {

using Tree = std::map<std::string, std::string>;

struct Case {
  std::vector<std::string> lines;  // after `FROM base`
  std::function<void(builder::CopyRequest&)> request;
};

class CopyOracle : public CopyFixture {
 protected:
  CopyOracle() : store(tmp.path() + "/store") {
    ::setenv("BUILDAH_ISOLATION", "chroot", 1);
    file(image, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
    file(image, "etc/group", "root:x:0:\napp:x:1000:\nstaff:x:50:\n");
    dir(image, "srv", 0750, 1000, 1000);
    dir(image, "srv/sub", 0711, 1000, 1000);
    file(image, "srv/owned", "o", 0640, 1000, 1000);
    link(image, "lnk", "/srv");
    link(image, "usr/lib/up", "../../etc");
    dir(image, "opt/app", 0755);
    dir(image, "opt", 0700);

    file(ctx, "a.txt", "hello", 0600, 123, 456);
    file(ctx, "b.txt", "bee");
    file(ctx, "skip.log", "log");
    file(ctx, ".dockerignore", "*.log\ndir/sub/y\n");
    dir(ctx, "dir", 0750, 5, 6);
    file(ctx, "dir/x", "x", 0755);
    file(ctx, "dir/sub/y", "y");
    file(ctx, "dir/sub/z", "z");
    dir(ctx, "dir/sub", 0700);
    link(ctx, "dir/xl", "x");
    link(ctx, "la", "a.txt");
    const std::vector<std::pair<std::string, std::string>> entries = {{"t/", ""}, {"t/f", "in"}, {"top", "top"}};
    tarball(ctx + "/arch.tar", ARCHIVE_FILTER_NONE, entries);
    tarball(ctx + "/arch.tgz", ARCHIVE_FILTER_GZIP, entries);
    tarball(ctx + "/arch.tbz", ARCHIVE_FILTER_BZIP2, entries);
    tarball(ctx + "/arch.txz", ARCHIVE_FILTER_XZ, entries);
    tarball(ctx + "/arch.tzst", ARCHIVE_FILTER_ZSTD, entries);
    file(ctx, "plain.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20));

    fs::mkdir_p(tmp.path() + "/basectx");
    sh("tar --numeric-owner -C " + image + " -cf " + tmp.path() + "/basectx/base.tar .");
    dockerfile("base", {"FROM scratch", "ADD base.tar /"});
    sh(buildah() + " bud --isolation chroot --layers -q -f " + tmp.path() + "/Dockerfile.base -t oracle-base " +
       tmp.path() + "/basectx");
  }
  ~CopyOracle() override {
    ::system((buildah() + " rm -a >/dev/null 2>&1; " + buildah() + " rmi -a -f >/dev/null 2>&1").c_str());
  }

  std::string buildah() const {
    return "buildah --root " + store + " --runroot " + store + "-run --storage-driver vfs";
  }

  // Runs a shell command; its output, or a test failure with it.
  static std::string sh(const std::string& command) {
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (!p) throw_sys("popen", command);
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    int status = ::pclose(p);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw Error("`" + command + "` failed: " + out);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  void dockerfile(const std::string& name, const std::vector<std::string>& lines) const {
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    fs::write_file_atomic(tmp.path() + "/Dockerfile." + name, text);
  }

  // The root filesystem buildah builds for `lines` over the base.
  Tree buildah_tree(const std::string& name, const std::vector<std::string>& lines) {
    std::vector<std::string> all = {"FROM oracle-base"};
    all.insert(all.end(), lines.begin(), lines.end());
    dockerfile(name, all);
    sh(buildah() + " bud --isolation chroot --layers -q -f " + tmp.path() + "/Dockerfile." + name + " -t oracle-" +
       name + " " + ctx);
    std::string container = sh(buildah() + " from oracle-" + name);
    std::string mount = sh(buildah() + " mount " + container);
    Tree t = tree_snapshot(mount, true);
    sh(buildah() + " umount " + container + " && " + buildah() + " rm " + container);
    return t;
  }

  // The base with hoist's layer for `c` laid over it.
  Tree hoist_tree(const Case& c) {
    fs::remove_all(layer);
    fs::mkdir_p(layer);
    builder::CopyRequest r;
    r.source_root = ctx;
    builder::PatternMatcher ignore({"*.log", "dir/sub/y"});
    r.ignore = &ignore;
    c.request(r);
    run(r);
    Tree t = tree_snapshot(image, true);
    for (auto& [path, line] : tree_snapshot(layer, true)) t[path] = line;
    return t;
  }

  std::string store;
};

std::vector<builder::CopySource> srcs(std::vector<std::string> paths) {
  std::vector<builder::CopySource> out;
  for (auto& p : paths) out.push_back({std::move(p), std::nullopt});
  return out;
}

TEST_F(CopyOracle, MatchesBuildah) {
  auto copy = [](std::vector<std::string> sources, std::string dest) {
    return [=](builder::CopyRequest& r) {
      r.sources = srcs(sources);
      r.dest = dest;
    };
  };
  auto add = [](std::vector<std::string> sources, std::string dest) {
    return [=](builder::CopyRequest& r) {
      r.sources = srcs(sources);
      r.dest = dest;
      r.add = true;
      r.keyword = "ADD";
    };
  };
  const std::optional<std::string> passwd = fs::read_file(image + "/etc/passwd");
  const std::optional<std::string> group = fs::read_file(image + "/etc/group");
  const std::vector<Case> cases = {
      {{"COPY a.txt /new/deep/"}, copy({"a.txt"}, "/new/deep/")},
      {{"COPY b.txt /opt/app/renamed"}, copy({"b.txt"}, "/opt/app/renamed")},
      {{"COPY dir /srv"}, copy({"dir"}, "/srv")},
      {{"COPY dir /nd"}, copy({"dir"}, "/nd")},
      {{"COPY a.txt /lnk/sub/f"}, copy({"a.txt"}, "/lnk/sub/f")},
      {{"COPY a.txt /usr/lib/up/x"}, copy({"a.txt"}, "/usr/lib/up/x")},
      {{"COPY a.txt /usr/lib/up/../../../../e2"}, copy({"a.txt"}, "/usr/lib/up/../../../../e2")},
      {{"COPY *.txt dir/s* /w/"}, copy({"*.txt", "dir/s*"}, "/w/")},
      {{"COPY a.t?t /one"}, copy({"a.t?t"}, "/one")},
      {{"COPY la /la2"}, copy({"la"}, "/la2")},
      {{"COPY b.txt /srv"}, copy({"b.txt"}, "/srv")},
      {{"COPY . /all/"}, copy({"."}, "/all/")},
      {{"COPY --chown=app:staff dir a.txt /c/d/"},
       [&](builder::CopyRequest& r) {
         copy({"dir", "a.txt"}, "/c/d/")(r);
         auto u = builder::resolve_user("app:staff", passwd, group);
         r.chown = builder::Owner{u.uid, u.gid};
       }},
      {{"COPY --chmod=0750 a.txt dir /m/"},
       [&](builder::CopyRequest& r) {
         copy({"a.txt", "dir"}, "/m/")(r);
         r.chmod = "0750";
       }},
      {{"WORKDIR /app", "COPY a.txt rel/"},
       [&](builder::CopyRequest& r) {
         copy({"a.txt"}, "rel/")(r);
         r.workdir = "/app";
       }},
      {{"FROM oracle-base AS s", "FROM oracle-base", "COPY --from=s /srv /opt /fr/"},
       [&](builder::CopyRequest& r) {
         copy({"/srv", "/opt"}, "/fr/")(r);
         r.source_root = image;
         r.from_context = false;
         r.ignore = nullptr;
       }},
      {{"ADD arch.tar /x/"}, add({"arch.tar"}, "/x/")},
      {{"ADD arch.tzst arch.tbz /y/"}, add({"arch.tzst", "arch.tbz"}, "/y/")},
      {{"ADD arch.tg? /z"}, add({"arch.tg?"}, "/z")},
      {{"ADD plain.gz a.txt /p/"}, add({"plain.gz", "a.txt"}, "/p/")},
  };
  int n = 0;
  for (const auto& c : cases) {
    std::string name = "case" + std::to_string(n++);
    Tree want = buildah_tree(name, c.lines);
    Tree got = hoist_tree(c);
    auto brief = [](const std::string& line) { return line.size() > 200 ? line.substr(0, 200) + "..." : line; };
    std::string diff;
    for (const auto& [path, line] : want) {
      auto it = got.find(path);
      if (it == got.end()) {
        diff += "  only buildah: " + path + " " + brief(line) + "\n";
      } else if (it->second != line) {
        diff += "  " + path + ": buildah " + brief(line) + " | hoist " + brief(it->second) + "\n";
      }
    }
    for (const auto& [path, line] : got)
      if (!want.contains(path)) diff += "  only hoist: " + path + " " + brief(line) + "\n";
    EXPECT_EQ(diff, "") << c.lines.back();
  }
}

}  // namespace
}  // namespace hoist::test
