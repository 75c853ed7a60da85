// Excerpts of what a server sent, as error messages quote them.
#include "publish/excerpt.h"

#include <gtest/gtest.h>

using namespace hoist::publish;

namespace {

TEST(PrintableExcerpt, OneLinePrintableAndBounded) {
  EXPECT_EQ(printable_excerpt("plain text"), "\"plain text\"");
  EXPECT_EQ(printable_excerpt("  two\n\n  lines\t "), "\"two lines\"");
  EXPECT_EQ(printable_excerpt("bell\a \"q\" back\\ \xff"), "\"bell\\x07 \\x22q\\x22 back\\x5c \\xff\"");
  EXPECT_EQ(printable_excerpt("abcdef", 3), "\"abc...\"");
  EXPECT_EQ(printable_excerpt("abc   ", 3), "\"abc\"");
  EXPECT_EQ(printable_excerpt("abc def", 4), "\"abc ...\"");
  EXPECT_EQ(printable_excerpt(""), "\"\"");
}

TEST(BodyExcerpt, HtmlIsReducedToItsText) {
  std::string page =
      "<html><head><title>Oops</title><script type=\"x\">var a = '<b>';</script>"
      "<STYLE>p{}</STYLE></head><body><p>Service<br>unavailable</p></body></html>";
  EXPECT_EQ(body_excerpt(page, "text/html; charset=UTF-8"), "\"Oops Service unavailable\"");
  // Recognised by its first character too, as proxies often send no Content-Type.
  EXPECT_EQ(body_excerpt("\n  <h1>Forbidden</h1>", ""), "\"Forbidden\"");
  EXPECT_EQ(body_excerpt("<p>cut off <a href=", ""), "\"cut off\"");
  EXPECT_EQ(body_excerpt("<html></html>", "text/html"), "");
}

TEST(BodyExcerpt, OtherBodiesAsTheyAre) {
  EXPECT_EQ(body_excerpt(R"({"message":"quota exceeded"})", "application/json"), R"("{\x22message\x22:\x22quota exceeded\x22}")");
  EXPECT_EQ(body_excerpt("upstream timed out", "text/plain", 8), "\"upstream...\"");
  EXPECT_EQ(body_excerpt("", "text/plain"), "");
  EXPECT_EQ(body_excerpt(" \r\n", "text/html"), "");
}

}  // namespace
