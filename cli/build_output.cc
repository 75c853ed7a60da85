#include "cli/build_output.h"

#include <sys/stat.h>

#include <cstdlib>

#include "common/error.h"
#include "common/fs.h"
#include "publish/docker_archive.h"
#include "publish/image_io.h"
#include "publish/oci_layout.h"
#include "publish/store_image.h"

namespace hoist::cli {

namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The root filesystem is unpacked beside `dest` and put in its place by a
// rename, so `dest` holds the old tree or the new one, never half of one.
void write_local(oci::Store& store, const oci::Descriptor& manifest, const std::string& dest) {
  std::string parent = parent_of(dest);
  fs::mkdir_p(parent);
  std::string tmp = parent + "/.hoist-output-XXXXXX";
  if (!::mkdtemp(tmp.data())) throw_sys("mkdtemp", tmp);
  try {
    if (::chmod(tmp.c_str(), 0755) != 0) throw_sys("chmod", tmp);  // mkdtemp's 0700 would become the root's mode
    publish::StoreSource src(store, manifest);
    publish::unpack_image(src, manifest, tmp);
    std::string old;
    if (fs::exists(dest)) {
      old = parent + "/.hoist-output-old-XXXXXX";
      if (!::mkdtemp(old.data())) throw_sys("mkdtemp", old);
      if (::rename(dest.c_str(), (old + "/tree").c_str()) != 0) throw_sys("rename", dest);
    }
    if (::rename(tmp.c_str(), dest.c_str()) != 0) throw_sys("rename", tmp + " to " + dest);
    if (!old.empty()) fs::remove_all(old);
  } catch (...) {
    try {
      fs::remove_all(tmp);
    } catch (const Error&) {
      // The failure that got us here is the one to report.
    }
    throw;
  }
}

}  // namespace

BuildOutput parse_build_output(const std::string& spec) {
  BuildOutput out;
  if (spec.find('=') == std::string::npos) {
    if (spec.empty() || spec == "-") throw Error("--output \"" + spec + "\": want type=TYPE,dest=PATH or a directory");
    out.dest = spec;
    return out;
  }
  std::string type;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    std::string field = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? spec.size() + 1 : comma + 1;
    auto eq = field.find('=');
    std::string key = field.substr(0, eq), value = eq == std::string::npos ? "" : field.substr(eq + 1);
    if (key == "type") {
      type = value;
    } else if (key == "dest") {
      out.dest = value;
    } else {
      throw Error("--output \"" + spec + "\": unknown key \"" + key + "\"");
    }
  }
  if (type == "oci") {
    out.type = BuildOutput::Type::Oci;
  } else if (type == "docker") {
    out.type = BuildOutput::Type::Docker;
  } else if (type == "local") {
    out.type = BuildOutput::Type::Local;
  } else {
    throw Error("--output \"" + spec + "\": unknown type \"" + type + "\" (want oci, docker or local)");
  }
  if (out.dest.empty()) throw Error("--output \"" + spec + "\": dest= is required");
  return out;
}

void write_build_output(const BuildOutput& out, oci::Store& store, const oci::Descriptor& manifest,
                        const std::string& name) {
  with_context("writing --output " + out.dest, [&] {
    std::vector<std::string> tags;
    if (!name.empty()) tags.push_back(name);
    publish::StoreSource src(store, manifest);
    if (out.type == BuildOutput::Type::Oci) {
      publish::OciLayoutSink sink(out.dest);
      publish::copy(src, sink, tags);
    } else if (out.type == BuildOutput::Type::Docker) {
      publish::DockerArchiveSink sink(out.dest);
      publish::copy(src, sink, tags);
    } else {
      write_local(store, manifest, out.dest);
    }
  });
}

}  // namespace hoist::cli
