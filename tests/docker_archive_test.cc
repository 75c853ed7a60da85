#include "publish/docker_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "layers/compression.h"
#include "layers/layer_writer.h"
#include "layers/store_writer.h"
#include "oci/image_config.h"
#include "oci/media_types.h"
#include "oci/store.h"
#include "publish/store_image.h"
#include "tests/test_support.h"

namespace hoist {
namespace {

using publish::DockerArchiveSink;
using publish::DockerArchiveSource;

std::string fixture(const std::string& name) {
  return test::conformance_path("ggcr-fixtures/pkg/v1/tarball/testdata/" + name);
}

// The message and its context chain, so assertions see every part of it.
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.describe();
  }
  ADD_FAILURE() << "no hoist::Error thrown";
  return {};
}

// The digest of the tar inside a (possibly compressed) file.
oci::Digest diff_id_of(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", path);
  layers::FdReader raw(fd.get(), path);
  auto tar = layers::make_decompressor(raw);
  oci::Sha256 sha;
  std::vector<char> buf(1 << 16);
  while (size_t n = tar->read(buf.data(), buf.size())) sha.update(buf.data(), n);
  return sha.finish();
}

// The image tagged `ref` in the store is complete and its layers are the ones
// its config names.
oci::ImageConfig check_stored_image(const oci::Store& store, const std::string& ref) {
  auto d = store.resolve(ref);
  EXPECT_TRUE(d) << ref;
  if (!d) return {};
  auto m = oci::Manifest::parse(store.read_blob(d->digest));
  auto config = oci::ImageConfig::parse(store.read_blob(m.config.digest));
  EXPECT_EQ(config.diff_ids.size(), m.layers.size()) << ref;
  for (size_t i = 0; i < m.layers.size() && i < config.diff_ids.size(); ++i) {
    EXPECT_TRUE(oci::media::is_layer(m.layers[i].media_type)) << m.layers[i].media_type;
    EXPECT_EQ(diff_id_of(store.blob_path(m.layers[i].digest)), config.diff_ids[i]) << ref << " layer " << i;
  }
  return config;
}

struct TarMember {
  std::string name;
  std::string content;
  std::string symlink;  // non-empty: a symlink to this target
};

void write_tar(const std::string& path, const std::vector<TarMember>& members) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (auto& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    if (m.symlink.empty()) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_size(e, static_cast<int64_t>(m.content.size()));
    } else {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_symlink(e, m.symlink.c_str());
    }
    archive_entry_set_perm(e, 0644);
    ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
    if (!m.content.empty()) archive_write_data(a, m.content.data(), m.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

// name -> content of every regular file in a tar.
std::map<std::string, std::string> read_tar(const std::string& path) {
  std::map<std::string, std::string> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_filename(a, path.c_str(), 1 << 16), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    archive_read_data(a, data.data(), data.size());
    out[archive_entry_pathname(e)] = data;
  }
  archive_read_free(a);
  return out;
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d))
    if (std::string n = e->d_name; n != "." && n != "..") out.push_back(n);
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::pair<int, std::string> run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = ::pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

// A layer tar (compressed as asked) with a few files, and its digests.
layers::LayerResult make_layer(const std::string& content_dir, layers::Compression c, std::string& blob) {
  layers::StringWriter out;
  layers::LayerOptions opts;
  opts.compression = c;
  opts.clamp_mtime = 0;
  auto r = layers::write_layer_from_dir(content_dir, out, opts);
  blob = std::move(out.out);
  return r;
}

// A tiny image in the store: one gzip and one zstd layer; returns its manifest descriptor.
oci::Descriptor build_image(oci::Store& store, const std::string& scratch, const std::string& arch = "amd64",
                            bool wrong_diff_id = false) {
  std::vector<layers::LayerResult> results;
  std::vector<layers::Compression> kinds = {layers::Compression::Gzip, layers::Compression::Zstd};
  for (size_t i = 0; i < kinds.size(); ++i) {
    std::string dir = scratch + "/layer" + std::to_string(i) + "-" + arch;
    fs::mkdir_p(dir + "/etc");
    fs::write_file_atomic(dir + "/etc/file" + std::to_string(i), "layer " + std::to_string(i) + " " + arch + "\n");
    auto w = store.blob_writer();
    layers::StoreWriter adapter(*w);
    layers::LayerOptions opts;
    opts.compression = kinds[i];
    opts.clamp_mtime = 0;
    auto r = layers::write_layer_from_dir(dir, adapter, opts);
    w->commit(r.digest);
    results.push_back(r);
  }
  oci::ImageConfig config;
  config.architecture = arch;
  config.os = "linux";
  config.created = oci::format_rfc3339(0);
  config.config.cmd = std::vector<std::string>{"/bin/sh"};
  for (auto& r : results) {
    config.diff_ids.push_back(wrong_diff_id ? r.digest : r.diff_id);
    config.history.push_back({oci::format_rfc3339(0), "COPY . /", "", "", false, ""});
  }
  std::string config_bytes = config.serialize();
  store.put_blob(config_bytes);
  oci::Manifest m;
  m.media_type = std::string(oci::media::kOciManifest);
  m.config = oci::describe(oci::media::kOciConfig, config_bytes);
  for (size_t i = 0; i < results.size(); ++i) {
    oci::Descriptor l;
    l.media_type = oci::media::layer_type(layers::compression_name(kinds[i]), false);
    l.digest = results[i].digest;
    l.size = static_cast<int64_t>(results[i].size);
    m.layers.push_back(l);
  }
  std::string manifest_bytes = m.serialize();
  store.put_blob(manifest_bytes);
  return oci::describe(oci::media::kOciManifest, manifest_bytes);
}

// ---------------------------------------------------------------- fixtures

struct ValidCase {
  std::string file;
  std::string tag;                  // selection ("" = first image)
  std::vector<std::string> tags;    // expected tags() (full references)
  size_t layers;
};

const std::vector<ValidCase>& valid_cases() {
  static const std::vector<ValidCase> cases = {
      {"test_image_1.tar", "", {"docker.io/bazel/v1/tarball:test_image_1"}, 1},
      {"test_image_2.tar", "bazel/v1/tarball:test_image_2", {"docker.io/bazel/v1/tarball:test_image_2"}, 1},
      {"test_load_manifest.tar", "", {"docker.io/bazel/v1/tarball:test_image_1"}, 1},
      // Two images; RepoTags without a tag mean :latest.
      {"test_bundle.tar", "", {"docker.io/library/test_image_2:latest"}, 1},
      {"test_bundle.tar", "test_image_1", {"docker.io/library/test_image_1:latest"}, 1},
      {"test_bundle.tar", "docker.io/library/test_image_2:latest", {"docker.io/library/test_image_2:latest"}, 1},
      // The second image's first layer.tar is a symlink to another image's layer.
      {"test_link.tar", "bazel/v1/tarball:test_image_3", {"docker.io/bazel/v1/tarball:test_image_3"}, 2},
      {"test_link.tar", "docker.io/bazel/v1/tarball:test_image_1", {"docker.io/bazel/v1/tarball:test_image_1"}, 1},
      // Docker 25 layout, RepoTags null, index.json "manifests": null.
      {"hello-world-v25.tar", "", {}, 1},
  };
  return cases;
}

struct BrokenCase {
  std::string file;
  std::string message;
};

const std::vector<BrokenCase>& broken_cases() {
  static const std::vector<BrokenCase> cases = {
      {"no_manifest.tar", "no manifest.json in the archive"},
      {"null_manifest.tar", "manifest.json is null"},
      {"content.tar", "no manifest.json in the archive"},  // a bare layer tar
      {"foo", "is not a readable tar archive"},
      {"bar", "is not a readable tar archive"},
      {"baz", "is not a readable tar archive"},
      {"bat", "bat is a directory, not a docker-archive tar"},
  };
  return cases;
}

TEST(DockerArchiveFixtures, EveryFixtureIsCovered) {
  std::set<std::string> known;
  for (auto& c : valid_cases()) known.insert(c.file);
  for (auto& c : broken_cases()) known.insert(c.file);
  for (auto& name : list_dir(fixture(""))) EXPECT_TRUE(known.count(name)) << "fixture not tested: " << name;
}

TEST(DockerArchiveFixtures, ValidArchivesLoadIntoStore) {
  for (auto& c : valid_cases()) {
    SCOPED_TRACE(c.file + " [" + c.tag + "]");
    fs::TempDir tmp;
    oci::Store store(tmp.path() + "/root");
    DockerArchiveSource src(fixture(c.file), c.tag, tmp.path());
    EXPECT_EQ(src.tags(), c.tags);
    std::vector<std::string> tags = src.tags();
    if (tags.empty()) tags.push_back("docker.io/library/untagged:loaded");
    publish::StoreSink sink(store);
    auto stats = publish::copy(src, sink, tags);
    EXPECT_EQ(stats.blobs_copied, c.layers + 1);
    for (auto& t : tags) {
      auto config = check_stored_image(store, t);
      EXPECT_EQ(config.diff_ids.size(), c.layers);
      EXPECT_EQ(config.os, "linux");
    }
  }
}

TEST(DockerArchiveFixtures, V25ArchiveKeepsDockersLayerDescriptors) {
  fs::TempDir tmp;
  DockerArchiveSource src(fixture("hello-world-v25.tar"), "", tmp.path());
  auto m = oci::Manifest::parse(src.read_manifest(src.root()));
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0].media_type, oci::media::kOciLayer);
  EXPECT_EQ(m.layers[0].digest.str(), "sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43");
  EXPECT_EQ(m.config.digest.str(), "sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44");
}

TEST(DockerArchiveFixtures, BrokenArchivesFailClearly) {
  for (auto& c : broken_cases()) {
    SCOPED_TRACE(c.file);
    fs::TempDir tmp;
    std::string msg = error_of([&] { DockerArchiveSource src(fixture(c.file), "", tmp.path()); });
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
    EXPECT_NE(msg.find("reading docker-archive"), std::string::npos) << msg;
    EXPECT_TRUE(list_dir(tmp.path()).empty()) << "temp files left behind";
  }
}

TEST(DockerArchiveFixtures, UnknownTagListsAvailableOnes) {
  fs::TempDir tmp;
  std::string msg = error_of([&] { DockerArchiveSource src(fixture("test_bundle.tar"), "nope:1", tmp.path()); });
  EXPECT_NE(msg.find("no image tagged \"nope:1\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("test_image_2, test_image_1"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- hand-made archives

class DockerArchiveCrafted : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::mkdir_p(tmp_.path() + "/content/bin");
    fs::write_file_atomic(tmp_.path() + "/content/bin/hello", "hello\n");
    layer_ = make_layer(tmp_.path() + "/content", layers::Compression::Gzip, layer_blob_);
    oci::ImageConfig config;
    config.architecture = "amd64";
    config.os = "linux";
    config.diff_ids = {layer_.diff_id};
    config_ = config.serialize();
  }

  std::string archive(const std::vector<TarMember>& members) {
    std::string path = tmp_.path() + "/archive" + std::to_string(n_++) + ".tar";
    write_tar(path, members);
    return path;
  }

  std::string manifest_json(const std::string& layer_path) {
    return R"([{"Config":"c.json","RepoTags":["example.com:5000/team/app:v1"],"Layers":[")" + layer_path + R"("]}])";
  }

  std::string load_error(const std::string& path) {
    return error_of([&] { DockerArchiveSource src(path, "", tmp_.path()); });
  }

  fs::TempDir tmp_;
  layers::LayerResult layer_;
  std::string layer_blob_;
  std::string config_;
  int n_ = 0;
};

TEST_F(DockerArchiveCrafted, GzipLayerFilesAreAccepted) {
  // A repeated name: the later member wins, as when docker load extracts the tar.
  auto path = archive({{"./manifest.json", manifest_json("l/layer.tar"), ""},
                       {"l/layer.tar", "stale", ""},
                       {"./c.json", config_, ""},
                       {"./l//layer.tar", layer_blob_, ""}});
  DockerArchiveSource src(path, "example.com:5000/team/app:v1", tmp_.path());
  EXPECT_EQ(src.tags(), std::vector<std::string>{"example.com:5000/team/app:v1"});
  auto m = oci::Manifest::parse(src.read_manifest(src.root()));
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0].media_type, oci::media::kOciLayerGzip);
  EXPECT_EQ(m.layers[0].digest, layer_.digest);
  EXPECT_EQ(m.config.digest, oci::Digest::of(config_));

  oci::Store store(tmp_.path() + "/root");
  publish::StoreSink sink(store);
  publish::copy(src, sink, src.tags());
  check_stored_image(store, "example.com:5000/team/app:v1");
}

TEST_F(DockerArchiveCrafted, PathsOutsideTheArchiveAreRejected) {
  std::vector<TarMember> base = {{"c.json", config_, ""}, {"l/layer.tar", layer_blob_, ""}};
  auto with = [&](const std::string& layer_path, std::vector<TarMember> extra = {}) {
    auto members = base;
    members.push_back({"manifest.json", manifest_json(layer_path), ""});
    members.insert(members.end(), extra.begin(), extra.end());
    return archive(members);
  };
  std::string msg = load_error(with("../l/layer.tar"));
  EXPECT_NE(msg.find("path outside the archive \"../l/layer.tar\""), std::string::npos) << msg;
  msg = load_error(with("l/../../l/layer.tar"));
  EXPECT_NE(msg.find("path outside the archive"), std::string::npos) << msg;
  msg = load_error(with("/etc/passwd"));
  EXPECT_NE(msg.find("absolute path \"/etc/passwd\""), std::string::npos) << msg;
  msg = load_error(with("missing/layer.tar"));
  EXPECT_NE(msg.find("\"missing/layer.tar\" named in manifest.json is not a file in the archive"), std::string::npos)
      << msg;
  // Symlinks resolve inside the archive: these would reach host files if followed on disk.
  msg = load_error(with("evil/layer.tar", {{"evil/layer.tar", "", "../../../../../../etc/passwd"}}));
  EXPECT_NE(msg.find("\"evil/layer.tar\" named in manifest.json is not a file"), std::string::npos) << msg;
  msg = load_error(with("evil/layer.tar", {{"evil/layer.tar", "", "/etc/passwd"}}));
  EXPECT_NE(msg.find("is not a file in the archive"), std::string::npos) << msg;
  msg = load_error(with("loop/layer.tar", {{"loop", "", "loop"}}));
  EXPECT_NE(msg.find("too many levels of symbolic links"), std::string::npos) << msg;
  // ...and a symlink that stays inside, even through "..", is fine.
  DockerArchiveSource ok(with("alias/layer.tar", {{"alias", "", "../../l"}}), "", tmp_.path());
  EXPECT_EQ(oci::Manifest::parse(ok.read_manifest(ok.root())).layers.at(0).digest, layer_.digest);
}

TEST_F(DockerArchiveCrafted, MismatchedDiffIdIsAnError) {
  oci::ImageConfig config = oci::ImageConfig::parse(config_);
  config.diff_ids = {layer_.digest};
  auto path = archive({{"manifest.json", manifest_json("l/layer.tar"), ""},
                       {"c.json", config.serialize(), ""},
                       {"l/layer.tar", layer_blob_, ""}});
  std::string msg = load_error(path);
  EXPECT_NE(msg.find("but the config's diff_id 0 is " + layer_.digest.str()), std::string::npos) << msg;

  config.diff_ids.clear();
  path = archive({{"manifest.json", manifest_json("l/layer.tar"), ""},
                  {"c.json", config.serialize(), ""},
                  {"l/layer.tar", layer_blob_, ""}});
  msg = load_error(path);
  EXPECT_NE(msg.find("lists 0 diff_ids, but manifest.json lists 1 layers"), std::string::npos) << msg;
}

TEST_F(DockerArchiveCrafted, MalformedManifestJson) {
  std::string msg = load_error(archive({{"manifest.json", "[]", ""}}));
  EXPECT_NE(msg.find("manifest.json lists no images"), std::string::npos) << msg;
  msg = load_error(archive({{"manifest.json", "{\"Config\":1}", ""}}));
  EXPECT_NE(msg.find("manifest.json is not a JSON array"), std::string::npos) << msg;
  msg = load_error(archive({{"manifest.json", "[{\"Layers\":[]}]", ""}}));
  EXPECT_NE(msg.find("manifest.json entry 0 has no Config"), std::string::npos) << msg;
  msg = load_error(archive({{"manifest.json", "[{", ""}}));
  EXPECT_NE(msg.find("manifest.json is not valid JSON"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- sink

class DockerArchiveSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<oci::Store>(tmp_.path() + "/root");
    fs::mkdir_p(tmp_.path() + "/out");
    image_ = build_image(*store_, tmp_.path());
    for (auto& t : tags_) store_->tag(t, image_);
  }

  std::string save(const std::string& name = "image.tar") {
    std::string path = tmp_.path() + "/out/" + name;
    publish::StoreSource src(*store_, image_);
    DockerArchiveSink sink(path);
    publish::copy(src, sink, tags_);
    return path;
  }

  fs::TempDir tmp_;
  std::unique_ptr<oci::Store> store_;
  oci::Descriptor image_;
  std::vector<std::string> tags_ = {"docker.io/library/hoist-rt:1", "127.0.0.1:5000/app:1",
                                    "docker.io/user/app:2"};
};

TEST_F(DockerArchiveSinkTest, WritesDocker25Layout) {
  std::string path = save();
  EXPECT_EQ(list_dir(tmp_.path() + "/out"), std::vector<std::string>{"image.tar"});
  auto files = read_tar(path);

  auto source_manifest = oci::Manifest::parse(store_->read_blob(image_.digest));
  auto config = oci::ImageConfig::parse(store_->read_blob(source_manifest.config.digest));

  auto manifest_json = nlohmann::json::parse(files.at("manifest.json"));
  ASSERT_EQ(manifest_json.size(), 1u);
  EXPECT_EQ(manifest_json[0]["Config"], "blobs/sha256/" + std::string(source_manifest.config.digest.hex()));
  EXPECT_EQ(manifest_json[0]["RepoTags"],
            nlohmann::json::array({"hoist-rt:1", "127.0.0.1:5000/app:1", "user/app:2"}));
  ASSERT_EQ(manifest_json[0]["Layers"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    std::string name = "blobs/sha256/" + std::string(config.diff_ids[i].hex());
    EXPECT_EQ(manifest_json[0]["Layers"][i], name);
    // Stored uncompressed: the file's own digest is the diffID.
    EXPECT_EQ(oci::Digest::of(files.at(name)), config.diff_ids[i]);
  }

  EXPECT_EQ(nlohmann::json::parse(files.at("oci-layout"))["imageLayoutVersion"], "1.0.0");
  auto index = oci::Index::parse(files.at("index.json"));
  ASSERT_EQ(index.manifests.size(), 3u);
  EXPECT_EQ(index.manifests[0].annotation("io.containerd.image.name"), "docker.io/library/hoist-rt:1");
  EXPECT_EQ(index.manifests[0].annotation(oci::kRefNameAnnotation), "1");
  EXPECT_EQ(index.manifests[1].annotation("io.containerd.image.name"), "127.0.0.1:5000/app:1");
  EXPECT_EQ(index.manifests[2].annotation(oci::kRefNameAnnotation), "2");
  std::string manifest_bytes = files.at("blobs/sha256/" + std::string(index.manifests[0].digest.hex()));
  EXPECT_EQ(oci::Digest::of(manifest_bytes), index.manifests[0].digest);
  auto m = oci::Manifest::parse(manifest_bytes);
  EXPECT_EQ(m.config.digest, source_manifest.config.digest);
  ASSERT_EQ(m.layers.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(m.layers[i].media_type, oci::media::kOciLayer);
    EXPECT_EQ(m.layers[i].digest, config.diff_ids[i]);
  }

  auto repositories = nlohmann::json::parse(files.at("repositories"));
  EXPECT_EQ(repositories["hoist-rt"]["1"], std::string(config.diff_ids[1].hex()));
  EXPECT_EQ(repositories["127.0.0.1:5000/app"]["1"], std::string(config.diff_ids[1].hex()));
}

TEST_F(DockerArchiveSinkTest, RoundTripsThroughTheSource) {
  std::string path = save();
  DockerArchiveSource src(path, "user/app:2", tmp_.path());
  EXPECT_EQ(src.tags(), tags_);

  oci::Store back(tmp_.path() + "/root2");
  publish::StoreSink sink(back);
  publish::copy(src, sink, src.tags());
  auto original = oci::Manifest::parse(store_->read_blob(image_.digest));
  for (auto& t : tags_) {
    SCOPED_TRACE(t);
    auto config = check_stored_image(back, t);
    auto m = oci::Manifest::parse(back.read_blob(back.resolve(t)->digest));
    EXPECT_EQ(m.config.digest, original.config.digest);  // config bytes unchanged
    ASSERT_EQ(m.layers.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(m.layers[i].digest, config.diff_ids[i]);
      EXPECT_EQ(m.layers[i].media_type, oci::media::kOciLayer);
    }
  }
  // The archive's own OCI manifest is the one loaded, so the digest docker
  // reports for the image survives a save/load.
  auto index = oci::Index::parse(read_tar(path).at("index.json"));
  EXPECT_EQ(src.root().digest, index.manifests[0].digest);
}

TEST_F(DockerArchiveSinkTest, UntaggedImage) {
  std::string path = tmp_.path() + "/out/untagged.tar";
  {
    publish::StoreSource src(*store_, image_);
    DockerArchiveSink sink(path);
    publish::copy(src, sink, {});
  }
  auto files = read_tar(path);
  EXPECT_TRUE(nlohmann::json::parse(files.at("manifest.json"))[0]["RepoTags"].is_null());
  EXPECT_EQ(oci::Index::parse(files.at("index.json")).manifests.size(), 1u);
  EXPECT_FALSE(files.count("repositories"));
  DockerArchiveSource back(path, "", tmp_.path());
  EXPECT_TRUE(back.tags().empty());
}

TEST_F(DockerArchiveSinkTest, WrongDiffIdLeavesNothingBehind) {
  oci::Descriptor bad = build_image(*store_, tmp_.path(), "arm64", true);
  std::string path = tmp_.path() + "/out/bad.tar";
  std::string msg = error_of([&] {
    publish::StoreSource src(*store_, bad);
    DockerArchiveSink sink(path);
    publish::copy(src, sink, tags_);
  });
  EXPECT_NE(msg.find("but the image config's diff_id 0 is"), std::string::npos) << msg;
  EXPECT_NE(msg.find("writing docker-archive " + path), std::string::npos) << msg;
  EXPECT_TRUE(list_dir(tmp_.path() + "/out").empty());
}

TEST_F(DockerArchiveSinkTest, IndexMustHoldOnePlatform) {
  oci::Descriptor arm = build_image(*store_, tmp_.path(), "arm64");
  auto with_platform = [](oci::Descriptor d, const std::string& arch) {
    d.platform = oci::Platform{"linux", arch, "", "", {}};
    return d;
  };
  oci::Index index;
  index.media_type = std::string(oci::media::kOciIndex);
  index.manifests = {with_platform(image_, "amd64"), with_platform(arm, "arm64")};
  std::string bytes = index.serialize();
  store_->put_blob(bytes);
  oci::Descriptor multi = oci::describe(oci::media::kOciIndex, bytes);

  std::string path = tmp_.path() + "/out/multi.tar";
  std::string msg = error_of([&] {
    publish::StoreSource src(*store_, multi);
    DockerArchiveSink sink(path);
    publish::copy(src, sink, tags_);
  });
  EXPECT_NE(msg.find("single platform"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(linux/amd64, linux/arm64)"), std::string::npos) << msg;
  EXPECT_TRUE(list_dir(tmp_.path() + "/out").empty());

  // An attestation manifest beside the one image is not a second platform.
  oci::Descriptor attestation = with_platform(arm, "unknown");
  attestation.platform->os = "unknown";
  attestation.annotations["vnd.docker.reference.type"] = "attestation-manifest";
  index.manifests = {with_platform(image_, "amd64"), attestation};
  bytes = index.serialize();
  store_->put_blob(bytes);
  publish::StoreSource src(*store_, oci::describe(oci::media::kOciIndex, bytes));
  {
    DockerArchiveSink sink(path);
    publish::copy(src, sink, tags_);
  }
  DockerArchiveSource back(path, "", tmp_.path());
  auto m = oci::Manifest::parse(back.read_manifest(back.root()));
  EXPECT_EQ(m.config.digest, oci::Manifest::parse(store_->read_blob(image_.digest)).config.digest);
}

// ---------------------------------------------------------------- real peer

TEST_F(DockerArchiveSinkTest, SkopeoReadsWhatTheSinkWrites) {
  ASSERT_TRUE(fs::exists("/usr/bin/skopeo")) << "skopeo is part of the test environment (scripts/install-deps.sh)";
  std::string path = save();
  auto config = oci::ImageConfig::parse(
      store_->read_blob(oci::Manifest::parse(store_->read_blob(image_.digest)).config.digest));

  auto [rc, out] = run("/usr/bin/skopeo inspect docker-archive:" + path);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(config.diff_ids[0].str()), std::string::npos) << out;
  EXPECT_NE(out.find("\"Architecture\": \"amd64\""), std::string::npos) << out;

  std::string layout = tmp_.path() + "/skopeo-oci";
  std::tie(rc, out) = run("/usr/bin/skopeo --insecure-policy copy -q docker-archive:" + path + " oci:" + layout + ":x");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_TRUE(fs::exists(layout + "/index.json"));

  // And the other way: what skopeo writes as a docker-archive, the source reads.
  std::string skopeo_archive = tmp_.path() + "/out/from-skopeo.tar";
  std::tie(rc, out) = run("/usr/bin/skopeo --insecure-policy copy -q oci:" + layout + ":x docker-archive:" +
                          skopeo_archive + ":example.com/skopeo/made:it");
  ASSERT_EQ(rc, 0) << out;
  DockerArchiveSource src(skopeo_archive, "example.com/skopeo/made:it", tmp_.path());
  EXPECT_EQ(src.tags(), std::vector<std::string>{"example.com/skopeo/made:it"});
  oci::Store back(tmp_.path() + "/root3");
  publish::StoreSink sink(back);
  publish::copy(src, sink, src.tags());
  auto loaded = check_stored_image(back, "example.com/skopeo/made:it");
  EXPECT_EQ(loaded.diff_ids, config.diff_ids);
}

}  // namespace
}  // namespace hoist
