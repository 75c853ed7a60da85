// replace_invalid_utf8 against what Go's encoding/json writes for the same
// bytes (one U+FFFD per byte that does not start a well-formed sequence), and
// the JSON documents that go through it: an image config whose LABEL, ENV or
// RUN line holds such bytes, and the build plan.
#include "common/utf8.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "oci/image_config.h"
#include "oci/json_text.h"

namespace hoist {
namespace {

const std::string kR = "\xEF\xBF\xBD";  // U+FFFD

TEST(Utf8, KeepsWellFormedText) {
  const std::vector<std::string> texts = {"",
                                          "plain ascii",
                                          "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4",  // three Hangul syllables
                                          "\xF0\x9F\x98\x80",                      // four bytes
                                          "\xEF\xBF\xBF",
                                          "\xF4\x8F\xBF\xBF",  // U+10FFFF, the last code point
                                          std::string("nul\0inside", 10)};
  for (const std::string& s : texts) {
    EXPECT_TRUE(is_valid_utf8(s)) << s;
    EXPECT_EQ(replace_invalid_utf8(s), s);
  }
}

TEST(Utf8, ReplacesEachBadByteAsGoDoes) {
  struct Case {
    std::string in, want;
  } cases[] = {
      {"b\xff" "c", "b" + kR + "c"},
      {"\xE2\x82", kR + kR},                    // truncated: each byte on its own
      {"\xE2\x82" "A", kR + kR + "A"},          // the byte that broke the sequence is read again
      {"\xC0\xAF", kR + kR},                    // overlong "/"
      {"\xE0\x80\xAF", kR + kR + kR},           // overlong, three bytes
      {"\xED\xA0\x80", kR + kR + kR},           // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", kR + kR + kR + kR},  // past U+10FFFF
      {"\xF5\x80", kR + kR},
      {"\x80" "x", kR + "x"},                   // a lone continuation byte
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(is_valid_utf8(c.in));
    EXPECT_EQ(replace_invalid_utf8(c.in), c.want);
  }
}

TEST(JsonText, DumpsDocumentsWithBadBytesAsValidJson) {
  nlohmann::ordered_json j = {{"k\xfe", {"v\xff", 1, {{"ok", "\xE2\x82"}}}}, {"fine", "\xED\x95\x9C"}};
  EXPECT_THROW(j.dump(), nlohmann::json::type_error);
  std::string out = oci::json::dump_text(j);
  auto back = nlohmann::ordered_json::parse(out);  // throws on invalid UTF-8 too
  EXPECT_EQ(back.dump(),
            "{\"k" + kR + "\":[\"v" + kR + "\",1,{\"ok\":\"" + kR + kR + "\"}],\"fine\":\"\xED\x95\x9C\"}");
  nlohmann::ordered_json valid = {{"a", "b"}};
  EXPECT_EQ(oci::json::dump_text(valid, 2), valid.dump(2));
}

// The config of `LABEL a="b\xffc"` / `ENV X=\xe2\x82` / `RUN echo \xff`: as
// BuildKit writes it (Go's json), never a thrown type_error.
TEST(JsonText, ImageConfigWithBadBytesSerializesAsDockerWould) {
  oci::ImageConfig c;
  c.architecture = "amd64";
  c.os = "linux";
  c.config.labels["a"] = "b\xff" "c";
  c.config.labels["k\xfe"] = "v";
  c.config.env = {"X=\xE2\x82"};
  oci::HistoryEntry h;
  h.created_by = "RUN echo \xff";
  c.history.push_back(h);
  std::string out = c.serialize();
  EXPECT_TRUE(is_valid_utf8(out));
  oci::ImageConfig back = oci::ImageConfig::parse(out);
  EXPECT_EQ(back.config.labels.at("a"), "b" + kR + "c");
  EXPECT_EQ(back.config.labels.at("k" + kR), "v");
  EXPECT_EQ(back.config.env, std::vector<std::string>{"X=" + kR + kR});
  EXPECT_EQ(back.history.at(0).created_by, "RUN echo " + kR);
}

}  // namespace
}  // namespace hoist
