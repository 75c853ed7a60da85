#include "publish/upload_headers.h"

#include <cctype>

namespace hoist::publish {

namespace {

// The five components of RFC 3986 Appendix B; a component is absent (not just empty) when its
// delimiter is missing, which matters for resolution.
struct Uri {
  std::optional<std::string> scheme, authority;
  std::string path;
  std::optional<std::string> query;
};

Uri split(std::string_view s) {
  Uri u;
  if (auto hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
  auto scheme_end = s.find_first_of(":/?");
  if (scheme_end != std::string_view::npos && scheme_end > 0 && s[scheme_end] == ':') {
    u.scheme = std::string(s.substr(0, scheme_end));
    s.remove_prefix(scheme_end + 1);
  }
  if (s.starts_with("//")) {
    auto end = s.find_first_of("/?", 2);
    u.authority = std::string(s.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2));
    s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  }
  auto q = s.find('?');
  u.path = std::string(s.substr(0, q));
  if (q != std::string_view::npos) u.query = std::string(s.substr(q + 1));
  return u;
}

// RFC 3986 §5.2.4.
std::string remove_dot_segments(std::string in) {
  std::string out;
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.erase(0, 3);
    } else if (in.starts_with("./")) {
      in.erase(0, 2);
    } else if (in.starts_with("/./")) {
      in.erase(0, 2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      in = in.size() == 3 ? "/" : in.substr(3);
      auto slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..") {
      in.clear();
    } else {
      auto next = in.find('/', 1);
      out += in.substr(0, next);
      in.erase(0, next == std::string::npos ? in.size() : next);
    }
  }
  return out;
}

std::string join(const Uri& u) {
  std::string s;
  if (u.scheme) s += *u.scheme + ":";
  if (u.authority) s += "//" + *u.authority;
  s += u.path;
  if (u.query) s += "?" + *u.query;
  return s;
}

}  // namespace

std::string resolve_url(std::string_view reference, std::string_view base_url) {
  Uri r = split(reference), base = split(base_url), t;
  if (r.scheme) {
    t = r;
    t.path = remove_dot_segments(r.path);
    return join(t);
  }
  t.scheme = base.scheme;
  if (r.authority) {
    t.authority = r.authority;
    t.path = remove_dot_segments(r.path);
    t.query = r.query;
    return join(t);
  }
  t.authority = base.authority;
  if (r.path.empty()) {
    t.path = base.path;
    t.query = r.query ? r.query : base.query;
  } else {
    if (r.path.starts_with("/")) {
      t.path = remove_dot_segments(r.path);
    } else if (base.authority && base.path.empty()) {
      t.path = remove_dot_segments("/" + r.path);
    } else {
      auto slash = base.path.rfind('/');
      t.path = remove_dot_segments((slash == std::string::npos ? "" : base.path.substr(0, slash + 1)) + r.path);
    }
    t.query = r.query;
  }
  return join(t);
}

std::string add_query(std::string_view url, std::string_view name, std::string_view value) {
  std::string s(url.substr(0, url.find('#')));
  char sep = s.find('?') == std::string::npos ? '?' : (s.ends_with("?") || s.ends_with("&") ? '\0' : '&');
  if (sep) s += sep;
  s += std::string(name) + "=" + std::string(value);
  return s;
}

std::optional<int64_t> uploaded_bytes(std::string_view range, int64_t expected) {
  while (!range.empty() && std::isspace(static_cast<unsigned char>(range.front()))) range.remove_prefix(1);
  while (!range.empty() && std::isspace(static_cast<unsigned char>(range.back()))) range.remove_suffix(1);
  if (range.empty()) return expected;
  if (range.starts_with("bytes=")) range.remove_prefix(6);
  auto dash = range.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == range.size()) return std::nullopt;
  auto number = [](std::string_view s) -> std::optional<int64_t> {
    if (s.size() > 18) return std::nullopt;
    int64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  auto start = number(range.substr(0, dash)), end = number(range.substr(dash + 1));
  // A session always holds a prefix of the blob, so the range starts at 0.
  if (!start || !end || *start != 0) return std::nullopt;
  if (*end == 0 && (expected == 0 || expected == 1)) return expected;
  return *end + 1;
}

}  // namespace hoist::publish
