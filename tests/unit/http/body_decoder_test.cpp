// Body framing: lengths, until-close, and the chunked coding under every split.
#include "common/http/body_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace httpgate::http {
namespace {

struct Outcome {
  size_t consumed = 0;  // over all pieces up to the end of the body; 0 on error
  bool done = false;
  bool error = false;
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{consumed=" << o.consumed << " done=" << o.done << " error=" << o.error << "}";
}

// Feeds `in` cut at `cuts` (ascending offsets) and adds up what came back.
// Once the body is done the rest of the input is not its business.
Outcome feedPieces(BodyDecoder& d, std::string_view in, const std::vector<size_t>& cuts) {
  Outcome total;
  size_t start = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const size_t end = i < cuts.size() ? cuts[i] : in.size();
    const BodyDecoder::Step step = d.feed(in.substr(start, end - start));
    if (step.error) {
      EXPECT_EQ(step.consumed, 0u);
      EXPECT_STRNE(step.reason, "");
      return Outcome{0, false, true};  // earlier pieces were fine; the body is not
    }
    EXPECT_LE(step.consumed, end - start);
    total.consumed += step.consumed;
    if (step.done) {
      total.done = true;
      return total;
    }
    EXPECT_EQ(step.consumed, end - start) << "a body that is not done takes everything";
    start = end;
  }
  return total;
}

Outcome decode(BodyKind kind, std::string_view in, uint64_t length = 0) {
  BodyDecoder d;
  d.reset(kind, length);
  return feedPieces(d, in, {});
}

Outcome chunked(std::string_view in) {
  return decode(BodyKind::Chunked, in);
}

// The outcome must not depend on how the input is cut: checks one byte at a
// time, every cut in two and every cut in three against the whole input.
void expectSplitInvariant(BodyKind kind, std::string_view in, uint64_t length = 0) {
  const Outcome whole = decode(kind, in, length);
  {
    BodyDecoder d;
    d.reset(kind, length);
    std::vector<size_t> cuts;
    for (size_t i = 1; i < in.size(); ++i) {
      cuts.push_back(i);
    }
    EXPECT_EQ(feedPieces(d, in, cuts), whole) << "byte by byte";
  }
  for (size_t i = 0; i <= in.size(); ++i) {
    for (size_t j = i; j <= in.size(); ++j) {
      BodyDecoder d;
      d.reset(kind, length);
      ASSERT_EQ(feedPieces(d, in, {i, j}), whole) << "cut at " << i << " and " << j;
    }
  }
}

TEST(BodyDecoder, NoneIsDoneAtOnce) {
  BodyDecoder d;
  d.reset(BodyKind::None);
  EXPECT_TRUE(d.done());
  const BodyDecoder::Step s = d.feed("GET / HTTP/1.1\r\n");
  EXPECT_TRUE(s.done);
  EXPECT_EQ(s.consumed, 0u);
}

TEST(BodyDecoder, Length) {
  EXPECT_EQ(decode(BodyKind::Length, "hello", 5), (Outcome{5, true, false}));
  EXPECT_EQ(decode(BodyKind::Length, "helloGET /", 5), (Outcome{5, true, false}));
  EXPECT_EQ(decode(BodyKind::Length, "hel", 5), (Outcome{3, false, false}));
  EXPECT_EQ(decode(BodyKind::Length, "x", 0), (Outcome{0, true, false}));
  BodyDecoder d;
  d.reset(BodyKind::Length, 10);
  EXPECT_EQ(d.remaining(), 10u);
  d.feed("abcd");
  EXPECT_EQ(d.remaining(), 6u);
  EXPECT_FALSE(d.done());
  expectSplitInvariant(BodyKind::Length, "0123456789abc", 10);
}

TEST(BodyDecoder, UntilCloseTakesEverything) {
  BodyDecoder d;
  d.reset(BodyKind::UntilClose);
  for (int i = 0; i < 3; ++i) {
    const BodyDecoder::Step s = d.feed("HTTP/1.1 200 OK\r\n\r\n");
    EXPECT_EQ(s.consumed, 19u);
    EXPECT_FALSE(s.done);
    EXPECT_FALSE(s.error);
  }
}

// decode() hands on what feed() consumes, minus the chunk framing. Found by
// the fuzz targets: until close it consumed everything and handed on nothing.
TEST(BodyDecoder, DecodeHandsOnThePayload) {
  BodyDecoder d;
  std::string payload;
  d.reset(BodyKind::UntilClose);
  EXPECT_EQ(d.decode("abc", payload).consumed, 3u);
  EXPECT_EQ(d.decode("de", payload).consumed, 2u);
  EXPECT_EQ(payload, "abcde");
  EXPECT_EQ(d.payloadBytes(), 5u);

  payload.clear();
  d.reset(BodyKind::Length, 4);
  EXPECT_EQ(d.decode("abcdef", payload).consumed, 4u);
  EXPECT_EQ(payload, "abcd");

  payload.clear();
  d.reset(BodyKind::Chunked);
  EXPECT_TRUE(d.decode("3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\nNEXT", payload).done);
  EXPECT_EQ(payload, "abcde");
}

TEST(BodyDecoder, ChunkedStopsAtEndOfBody) {
  const std::string body = "5\r\nhello\r\n1A\r\n" + std::string(26, 'x') + "\r\n0\r\n\r\n";
  EXPECT_EQ(chunked(body + "GET / HTTP/1.1\r\n"), (Outcome{body.size(), true, false}));
}

TEST(BodyDecoder, ChunkedEverySplit) {
  const std::string body =
      "4;name=value;q=\"a \\\"b\\\" c\"\r\nWiki\r\n"
      "0005 ; ext\t;x = y\r\npedia\r\n"
      "e\r\n in\r\n\r\nchunks.\r\n"
      "0;last\r\nExpires: never\r\nX-Trailer:\r\n\r\n";
  EXPECT_EQ(chunked(body), (Outcome{body.size(), true, false}));
  expectSplitInvariant(BodyKind::Chunked, body + "POST");
}

TEST(BodyDecoder, ChunkedErrorEverySplit) {
  expectSplitInvariant(BodyKind::Chunked, "3\r\nabc\r\n3\r\ndefX\r\n0\r\n\r\n");
  EXPECT_TRUE(chunked("3\r\nabc\r\n3\r\ndefX\r\n0\r\n\r\n").error);
}

TEST(BodyDecoder, RemainingDuringChunkData) {
  BodyDecoder d;
  d.reset(BodyKind::Chunked);
  d.feed("a\r\n");
  EXPECT_EQ(d.remaining(), 10u);
  d.feed("0123");
  EXPECT_EQ(d.remaining(), 6u);
  d.feed("456789\r");
  EXPECT_EQ(d.remaining(), 0u);
  EXPECT_FALSE(d.done());
}

TEST(BodyDecoder, HexDigits) {
  EXPECT_EQ(chunked("A\r\n0123456789\r\n0\r\n\r\n").done, true);
  EXPECT_EQ(chunked("a\r\n0123456789\r\n0\r\n\r\n").done, true);
  EXPECT_EQ(chunked("000000000000000a\r\n0123456789\r\n0\r\n\r\n").done, true);
  EXPECT_EQ(chunked("0000000000000000\r\n\r\n").done, true);
}

TEST(BodyDecoder, ChunkedAllowsLargeSizeUpToLimit) {
  BodyDecoder d;
  d.reset(BodyKind::Chunked);
  const BodyDecoder::Step s = d.feed("4000000000000000\r\n");  // 2^62
  EXPECT_FALSE(s.error);
  EXPECT_EQ(d.remaining(), uint64_t{1} << 62);
}

TEST(BodyDecoder, ErrorIsSticky) {
  BodyDecoder d;
  d.reset(BodyKind::Chunked);
  EXPECT_TRUE(d.feed("z").error);
  EXPECT_TRUE(d.feed("0\r\n\r\n").error);
  EXPECT_TRUE(d.feed("").error);
  d.reset(BodyKind::Chunked);
  EXPECT_TRUE(d.feed("0\r\n\r\n").done);
}

// --- one test per attack ---

TEST(BodyDecoderAttack, BadChunkSize) {
  for (const char* body : {"x\r\n", "\r\n", "-1\r\n", "+5\r\n", "0x5\r\n", " 5\r\n", "5 \r\n",
                           "5\t\r\n", ";a\r\n", "5g\r\n", "5,\r\n"}) {
    EXPECT_TRUE(chunked(body).error) << body;
  }
}

TEST(BodyDecoderAttack, ChunkSizeOverflow) {
  EXPECT_TRUE(chunked("4000000000000001\r\n").error);        // 2^62 + 1
  EXPECT_TRUE(chunked("FFFFFFFFFFFFFFFF\r\n").error);        // 2^64 - 1
  EXPECT_TRUE(chunked("10000000000000005\r\nhello").error);  // wraps to 5 in 64 bits
  EXPECT_TRUE(chunked("00000000000000001\r\nx\r\n").error);  // 17 digits
}

TEST(BodyDecoderAttack, MissingCrlfAfterChunk) {
  EXPECT_TRUE(chunked("5\r\nhelloX\r\n0\r\n\r\n").error);
  EXPECT_TRUE(chunked("5\r\nhello0\r\n\r\n").error);
  EXPECT_TRUE(chunked("5\r\nhello\n0\r\n\r\n").error);
  EXPECT_TRUE(chunked("5\r\nhello\r0\r\n\r\n").error);
  EXPECT_TRUE(chunked("5\r\nhello world\r\n0\r\n\r\n").error);  // chunk longer than its size
}

TEST(BodyDecoderAttack, BareCR) {
  EXPECT_TRUE(chunked("5\rhello\r\n0\r\n\r\n").error);
  EXPECT_TRUE(chunked("5;a\rb\r\nhello\r\n0\r\n\r\n").error);
  EXPECT_TRUE(chunked("0\r\nX: a\rb\r\n\r\n").error);
  EXPECT_TRUE(chunked("0\r\n\rX").error);
}

TEST(BodyDecoderAttack, BareLF) {
  EXPECT_TRUE(chunked("5\nhello\r\n0\r\n\r\n").error);
  EXPECT_TRUE(chunked("5;a\nhello\r\n0\r\n\r\n").error);
  EXPECT_TRUE(chunked("5;a=\"x\nhello\r\n0\r\n\r\n").error);
  EXPECT_TRUE(chunked("0\n\r\n").error);
  EXPECT_TRUE(chunked("0\r\n\n").error);
  EXPECT_TRUE(chunked("0\r\nX: a\n\r\n").error);
}

TEST(BodyDecoderAttack, BadChunkExtension) {
  for (const char* body :
       {"5;\r\n", "5; \r\n", "5;=a\r\n", "5;a=\r\n", "5;a==b\r\n", "5;a=b c\r\n", "5;a b\r\n",
        "5;a=\"x\r\n", "5;a=\"x\x01\"\r\n", "5;a=\"x\\\x01\"\r\n", "5;a=\"x\"y\r\n", "5;a=b \r\n",
        "5;a \r\n", "5;a(b)\r\n", "5;a=\x80\r\n"}) {
    EXPECT_TRUE(chunked(body).error) << body;
  }
  for (const char* body : {"5;a\r\n", "5 ;a\r\n", "5; a = b;c\r\n", "5;a=\"\"\r\n",
                           "5;a=\"\\\\\\\"\x80\"\r\n", "5;a=\"x\" ;b\r\n"}) {
    EXPECT_FALSE(chunked(body).error) << body;
  }
}

TEST(BodyDecoderAttack, OverlongChunkSizeLine) {
  const std::string line = "5;a=\"" + std::string(4090, 'x') + "\"\r\n";
  EXPECT_TRUE(chunked(line).error);
  EXPECT_FALSE(chunked("5;a=\"" + std::string(4080, 'x') + "\"\r\n").error);
}

TEST(BodyDecoderAttack, BadTrailer) {
  EXPECT_TRUE(chunked("0\r\n folded\r\n\r\n").error);
  EXPECT_TRUE(chunked("0\r\nX-A: a\r\n\tb\r\n\r\n").error);
  EXPECT_TRUE(chunked("0\r\nX-A : a\r\n\r\n").error);
  EXPECT_TRUE(chunked("0\r\nX-A\r\n\r\n").error);
  EXPECT_TRUE(chunked("0\r\n:a\r\n\r\n").error);
  EXPECT_TRUE(chunked("0\r\nX(A): a\r\n\r\n").error);
  EXPECT_TRUE(chunked("0\r\nX-A: a\x01\r\n\r\n").error);
  EXPECT_TRUE(chunked(std::string("0\r\nX-A: a\0\r\n\r\n", 14)).error);
}

TEST(BodyDecoderAttack, OversizedTrailerSection) {
  std::string body = "0\r\n";
  while (body.size() < 17 * 1024) {
    body += "X-T: " + std::string(100, 'a') + "\r\n";
  }
  EXPECT_TRUE(chunked(body + "\r\n").error);
}

TEST(BodyDecoder, KeepsTheTrailerLinesUnderEverySplit) {
  const std::string body = "3\r\nabc\r\n0\r\nGrpc-Status: 0\r\nX-Sum:  a1 \r\n\r\nNEXT";
  for (size_t step = 1; step <= body.size(); ++step) {
    std::string trailers;
    std::string payload;
    BodyDecoder d;
    d.keepTrailers(&trailers);
    d.reset(BodyKind::Chunked);
    bool done = false;
    for (size_t at = 0; at < body.size() && !done; at += step) {
      const BodyDecoder::Step got = d.decode(std::string_view(body).substr(at, step), payload);
      ASSERT_FALSE(got.error) << got.reason;
      done = got.done;
    }
    ASSERT_TRUE(done);
    EXPECT_EQ(payload, "abc");
    EXPECT_EQ(trailers, "Grpc-Status: 0\r\nX-Sum:  a1 \r\n") << "pieces of " << step;
  }
}

TEST(BodyDecoder, KeepsNoTrailersOfABodyWithout) {
  std::string trailers = "left over";
  BodyDecoder d;
  d.keepTrailers(&trailers);
  trailers.clear();
  d.reset(BodyKind::Chunked);
  std::string payload;
  EXPECT_TRUE(d.decode("1\r\nx\r\n0\r\n\r\n", payload).done);
  EXPECT_EQ(trailers, "");
}

}  // namespace
}  // namespace httpgate::http
