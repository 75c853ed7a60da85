// Location and Range of blob upload sessions: relative Locations resolved as
// RFC 3986 says (its own examples), the session's query kept when the digest
// is added, and both Range spellings read.
#include "publish/upload_headers.h"

#include <gtest/gtest.h>

using namespace hoist::publish;

namespace {

TEST(UploadHeaders, Rfc3986NormalExamples) {
  const char* base = "http://a/b/c/d;p?q";
  std::pair<const char*, const char*> cases[] = {
      {"g:h", "g:h"},           {"g", "http://a/b/c/g"},        {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"}, {"/g", "http://a/g"},            {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"}, {"g?y", "http://a/b/c/g?y"}, {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"}, {"", "http://a/b/c/d;p?q"},   {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},   {"..", "http://a/b/"},           {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},  {"../..", "http://a/"},          {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  for (auto& [ref, want] : cases) EXPECT_EQ(resolve_url(ref, base), want) << ref;
}

TEST(UploadHeaders, Rfc3986AbnormalExamples) {
  const char* base = "http://a/b/c/d;p?q";
  std::pair<const char*, const char*> cases[] = {
      {"../../../g", "http://a/g"}, {"../../../../g", "http://a/g"}, {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},      {"g.", "http://a/b/c/g."},       {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},  {"..g", "http://a/b/c/..g"},     {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"}, {"g/./h", "http://a/b/c/g/h"},   {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"}, {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},  {"g?y/../x", "http://a/b/c/g?y/../x"},
  };
  for (auto& [ref, want] : cases) EXPECT_EQ(resolve_url(ref, base), want) << ref;
}

TEST(UploadHeaders, LocationsRegistriesSend) {
  std::string post = "http://127.0.0.1:5000/v2/team/app/blobs/uploads/";
  // distribution: an absolute URL carrying the session state.
  EXPECT_EQ(resolve_url("http://127.0.0.1:5000/v2/team/app/blobs/uploads/u1?_state=abc", post),
            "http://127.0.0.1:5000/v2/team/app/blobs/uploads/u1?_state=abc");
  // Absolute path, relative path and a storage host on another port.
  EXPECT_EQ(resolve_url("/v2/team/app/blobs/uploads/u1?_state=a%2Bb", post),
            "http://127.0.0.1:5000/v2/team/app/blobs/uploads/u1?_state=a%2Bb");
  EXPECT_EQ(resolve_url("u1", post), "http://127.0.0.1:5000/v2/team/app/blobs/uploads/u1");
  EXPECT_EQ(resolve_url("https://storage.example:9000/up/u1?sig=x", post), "https://storage.example:9000/up/u1?sig=x");
  EXPECT_EQ(resolve_url("//storage.example/up/u1", "https://r.example/v2/x/blobs/uploads/"),
            "https://storage.example/up/u1");
  // The request's own query (a mount) is not carried over to a relative Location.
  EXPECT_EQ(resolve_url("/v2/app/blobs/uploads/u2", post + "?mount=sha256:ab&from=base"),
            "http://127.0.0.1:5000/v2/app/blobs/uploads/u2");
  EXPECT_EQ(resolve_url("u2#frag", post), "http://127.0.0.1:5000/v2/team/app/blobs/uploads/u2");
}

TEST(UploadHeaders, DigestJoinsTheExistingQuery) {
  EXPECT_EQ(add_query("http://h/v2/x/blobs/uploads/u", "digest", "sha256:ab"),
            "http://h/v2/x/blobs/uploads/u?digest=sha256:ab");
  EXPECT_EQ(add_query("http://h/u?_state=abc", "digest", "sha256:ab"), "http://h/u?_state=abc&digest=sha256:ab");
  EXPECT_EQ(add_query("http://h/u?", "digest", "sha256:ab"), "http://h/u?digest=sha256:ab");
  EXPECT_EQ(add_query("http://h/u?a=1&", "digest", "d"), "http://h/u?a=1&digest=d");
}

TEST(UploadHeaders, RangeInBothSpellings) {
  EXPECT_EQ(uploaded_bytes("0-99", 100), 100);
  EXPECT_EQ(uploaded_bytes("bytes=0-99", 100), 100);
  EXPECT_EQ(uploaded_bytes(" 0-16777215 ", 0), 16777216) << "the registry's word, whatever we expected";
  EXPECT_EQ(uploaded_bytes("", 42), 42) << "no Range: as sent";
}

TEST(UploadHeaders, ZeroZeroMeansNothingOrOneByte) {
  EXPECT_EQ(uploaded_bytes("0-0", 0), 0);
  EXPECT_EQ(uploaded_bytes("0-0", 1), 1);
  EXPECT_EQ(uploaded_bytes("bytes=0-0", 0), 0);
  EXPECT_EQ(uploaded_bytes("0-0", 500), 1) << "a registry holding one byte of 500 sent";
}

TEST(UploadHeaders, MalformedRanges) {
  for (const char* bad : {"5-9", "0-", "-9", "0-x", "bytes 0-9", "0-9/100", "junk", "0-99999999999999999999"})
    EXPECT_FALSE(uploaded_bytes(bad, 0)) << bad;
}

}  // namespace
