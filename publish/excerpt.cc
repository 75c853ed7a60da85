#include "publish/excerpt.h"

#include <algorithm>
#include <cctype>

namespace hoist::publish {

namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The text of an HTML document: tags dropped, <script> and <style> elements
// with their content too, so what is left is what a browser would show.
std::string html_text(std::string_view html) {
  std::string out;
  std::string low = lower(html);
  size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      out += html[i++];
      continue;
    }
    size_t close = html.find('>', i);
    if (close == std::string_view::npos) break;  // a cut-off tag: nothing readable follows
    for (std::string_view element : {"script", "style"}) {
      std::string open = "<" + std::string(element);
      if (low.compare(i, open.size(), open) == 0 && i + open.size() < low.size() &&
          (low[i + open.size()] == '>' || is_space(static_cast<unsigned char>(low[i + open.size()])))) {
        size_t end = low.find("</" + std::string(element), close);
        close = end == std::string::npos ? html.size() - 1 : low.find('>', end);
        if (close == std::string::npos) close = html.size() - 1;
      }
    }
    out += ' ';  // tags separate words (<h1>502</h1><p>Bad gateway</p>)
    i = close + 1;
  }
  return out;
}

}  // namespace

std::string printable_excerpt(std::string_view text, size_t max) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  size_t shown = 0;
  bool space = false;
  size_t i = 0;
  for (; i < text.size() && shown < max; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_space(c)) {
      space = shown > 0;
      continue;
    }
    if (space) {
      out += ' ';
      ++shown;
      space = false;
      if (shown >= max) break;
    }
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += {'\\', 'x', hex[c >> 4], hex[c & 15]};
    }
    ++shown;
  }
  // Only trailing whitespace left: nothing was cut.
  while (i < text.size() && is_space(static_cast<unsigned char>(text[i]))) ++i;
  return out + (i < text.size() ? "...\"" : "\"");
}

std::string body_excerpt(std::string_view body, std::string_view content_type, size_t max) {
  size_t first = 0;
  while (first < body.size() && is_space(static_cast<unsigned char>(body[first]))) ++first;
  if (first == body.size()) return "";
  bool html = lower(content_type).find("html") != std::string::npos || body[first] == '<';
  if (!html) return printable_excerpt(body.substr(first), max);
  std::string text = html_text(body.substr(first));
  if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return is_space(c); })) return "";
  return printable_excerpt(text, max);
}

}  // namespace hoist::publish
