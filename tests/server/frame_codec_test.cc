// The wire framing without sockets: segment tables of every size, the limits, inconsistent
// tables, malformed pointers inside a well-framed message, and round trips.
#include <catch2/catch.hpp>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <string>
#include <vector>

#include "schema/protocol.capnp.h"
#include "server/frame_codec.h"

namespace caseledger::server {
namespace {

void Put32(std::vector<uint8_t>& bytes, size_t offset, uint32_t v) {
  if (bytes.size() < offset + 4) bytes.resize(offset + 4);
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<uint8_t>(v >> (8 * i));
}

void Put64(std::vector<uint8_t>& bytes, size_t offset, uint64_t v) {
  Put32(bytes, offset, static_cast<uint32_t>(v));
  Put32(bytes, offset + 4, static_cast<uint32_t>(v >> 32));
}

// A segment table for `sizes` (in words), padded to a whole word.
std::vector<uint8_t> Table(const std::vector<uint32_t>& sizes) {
  std::vector<uint8_t> bytes;
  Put32(bytes, 0, static_cast<uint32_t>(sizes.size() - 1));
  for (size_t i = 0; i < sizes.size(); ++i) Put32(bytes, 4 * (i + 1), sizes[i]);
  bytes.resize((bytes.size() + 7) / 8 * 8, 0);
  return bytes;
}

std::span<const uint8_t, kFirstHeaderBytes> First(const std::vector<uint8_t>& bytes) {
  return std::span<const uint8_t, kFirstHeaderBytes>(bytes.data(), kFirstHeaderBytes);
}

kj::Array<capnp::word> ToWords(const std::vector<uint8_t>& bytes) {
  REQUIRE(bytes.size() % 8 == 0);
  auto words = kj::heapArray<capnp::word>(bytes.size() / 8);
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  return words;
}

std::vector<uint8_t> ToBytes(const kj::Array<capnp::word>& words) {
  auto b = words.asBytes();
  return std::vector<uint8_t>(b.begin(), b.end());
}

// A struct pointer word: offset in words from the end of the pointer, data and pointer sizes.
uint64_t StructPointer(int32_t offset, uint16_t data_words, uint16_t pointers) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(offset) << 2)) |
         (static_cast<uint64_t>(data_words) << 32) | (static_cast<uint64_t>(pointers) << 48);
}

// One segment of `words` words after a one-segment table.
std::vector<uint8_t> OneSegment(const std::vector<uint64_t>& words) {
  std::vector<uint8_t> bytes = Table({static_cast<uint32_t>(words.size())});
  const size_t base = bytes.size();
  for (size_t i = 0; i < words.size(); ++i) Put64(bytes, base + 8 * i, words[i]);
  return bytes;
}

constexpr size_t kLimit = 64 << 10;

TEST_CASE("frame header size for every segment count up to the maximum", "[robustness][frame]") {
  for (uint32_t segments = 1; segments <= kMaxSegments; ++segments) {
    std::vector<uint32_t> sizes(segments, 1);
    auto table = Table(sizes);
    auto header = FrameHeaderBytes(First(table));
    REQUIRE(header.ok());
    // One UInt32 count, one UInt32 per segment, padded to 8 bytes.
    CHECK(*header == (4 * (segments + 1) + 7) / 8 * 8);
    CHECK(*header == table.size());
    auto total = FrameMessageBytes(table, kLimit);
    REQUIRE(total.ok());
    CHECK(*total == table.size() + 8 * segments);
  }
  std::vector<uint8_t> one = Table({1});
  CHECK(*FrameHeaderBytes(First(one)) == 8);
  std::vector<uint8_t> two = Table({1, 1});
  CHECK(*FrameHeaderBytes(First(two)) == 16);
}

TEST_CASE("a frame with more segments than allowed is refused from its first word",
          "[robustness][frame]") {
  std::vector<uint8_t> first(8, 0);
  Put32(first, 0, kMaxSegments);  // count - 1 == kMaxSegments: one too many
  auto refused = FrameHeaderBytes(First(first));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().IsInvalidArgument());
  CHECK_THAT(refused.status().message(), Catch::Contains("segments"));
  // The largest count the field can hold does not wrap around to a small table.
  Put32(first, 0, 0xFFFFFFFFu);
  CHECK_FALSE(FrameHeaderBytes(First(first)).ok());
  Put32(first, 0, 0x7FFFFFFFu);
  CHECK_FALSE(FrameHeaderBytes(First(first)).ok());
}

TEST_CASE("a frame over the message limit is refused from its table", "[robustness][frame]") {
  // Exactly at the limit: accepted.
  const uint32_t words_at_limit = (kLimit - 8) / 8;
  auto at = FrameMessageBytes(Table({words_at_limit}), kLimit);
  REQUIRE(at.ok());
  CHECK(*at == kLimit);
  // One word more: refused.
  auto over = FrameMessageBytes(Table({words_at_limit + 1}), kLimit);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().IsInvalidArgument());
  CHECK_THAT(over.status().message(), Catch::Contains("limit"));
  // Segment sizes whose sum overflows 32 bits (and whose byte count overflows 35 bits) are
  // refused, not wrapped to something small.
  std::vector<uint32_t> huge(kMaxSegments, 0xFFFFFFFFu);
  CHECK_FALSE(FrameMessageBytes(Table(huge), kLimit).ok());
  auto unlimited = FrameMessageBytes(Table(huge), SIZE_MAX);
  REQUIRE(unlimited.ok());
  CHECK(*unlimited == Table(huge).size() + uint64_t{kMaxSegments} * 0xFFFFFFFFull * 8);
  // Spread over several segments, the total still counts.
  const uint32_t quarter = words_at_limit / 4 + 1;
  CHECK_FALSE(FrameMessageBytes(Table({quarter, quarter, quarter, quarter}), kLimit).ok());
}

TEST_CASE("inconsistent segment tables are refused", "[robustness][frame]") {
  // The table is shorter or longer than its count says.
  std::vector<uint8_t> two = Table({1, 1});
  CHECK_FALSE(FrameMessageBytes(std::span<const uint8_t>(two.data(), 8), kLimit).ok());
  std::vector<uint8_t> one_padded = Table({1});
  one_padded.resize(16, 0);
  CHECK_FALSE(FrameMessageBytes(one_padded, kLimit).ok());
  CHECK_FALSE(FrameMessageBytes(std::span<const uint8_t>(two.data(), 4), kLimit).ok());
  // A message of no words at all.
  auto empty = FrameMessageBytes(Table({0}), kLimit);
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.status().message(), Catch::Contains("no content"));
  CHECK_FALSE(FrameMessageBytes(Table({0, 0, 0}), kLimit).ok());

  // A table claiming more words than the array holds: DecodeFrame refuses it (it is given
  // whole arrays by the session, but must not read past one it is handed).
  std::vector<uint8_t> short_message = Table({4});
  short_message.resize(short_message.size() + 16, 0);  // two of the four words
  auto decoded = DecodeFrame(ToWords(short_message), kLimit);
  CHECK_FALSE(decoded.ok());
}

TEST_CASE("malformed pointers in a well-framed message are caught by GetRoot",
          "[robustness][frame]") {
  SECTION("root struct pointer past the end of the segment") {
    auto bytes = OneSegment({StructPointer(100, 2, 1), 0});
    auto frame = DecodeFrame(ToWords(bytes), kLimit);
    REQUIRE(frame.ok());
    auto root = GetRoot<schema::Request>(**frame);
    REQUIRE_FALSE(root.ok());
    CHECK(root.status().IsInvalidArgument());
    CHECK_THAT(root.status().message(), Catch::Contains("malformed"));
  }
  SECTION("a text pointer inside the root points out of bounds") {
    // Request: 2 data words (id, union discriminant), 2 pointers (purpose, body).
    auto bytes = OneSegment({StructPointer(0, 2, 2), 7, 0,
                             // purpose: a list pointer (kind 1) far past the end.
                             (uint64_t{1000} << 2) | 1 | (uint64_t{2} << 32) | (uint64_t{10} << 35),
                             0});
    auto frame = DecodeFrame(ToWords(bytes), kLimit);
    REQUIRE(frame.ok());
    CHECK_FALSE(GetRoot<schema::Request>(**frame).ok());
  }
  SECTION("a far pointer into a segment that does not exist") {
    // Far pointer (kind 2): landing pad in segment 5, of a one-segment message.
    auto bytes = OneSegment({2 | (uint64_t{5} << 32), 0});
    auto frame = DecodeFrame(ToWords(bytes), kLimit);
    REQUIRE(frame.ok());
    CHECK_FALSE(GetRoot<schema::Request>(**frame).ok());
  }
  SECTION("pointers that share one target cannot amplify the read past the limit") {
    // A root struct with N pointers, all to the same M-word struct: N*M words to traverse in a
    // message of 1 + N + M words.
    const uint16_t n = 400, m = 400;
    std::vector<uint64_t> words;
    words.push_back(StructPointer(0, 0, n));
    for (uint16_t i = 0; i < n; ++i) words.push_back(StructPointer(n - 1 - i, m, 0));
    for (uint16_t i = 0; i < m; ++i) words.push_back(i);
    auto bytes = OneSegment(words);
    REQUIRE(bytes.size() < kLimit);
    auto frame = DecodeFrame(ToWords(bytes), kLimit);
    REQUIRE(frame.ok());
    auto root = GetRoot<schema::Request>(**frame);
    REQUIRE_FALSE(root.ok());
    CHECK_THAT(root.status().message(), Catch::Contains("traversal limit"));
  }
}

TEST_CASE("EncodeFrame and DecodeFrame round-trip one and many segments", "[robustness][frame]") {
  for (bool many : {false, true}) {
    // A tiny first segment and fixed-size growth force a message of many segments.
    capnp::MallocMessageBuilder builder(many ? 1 : 1024,
                                        many ? capnp::AllocationStrategy::FIXED_SIZE
                                             : capnp::AllocationStrategy::GROW_HEURISTICALLY);
    auto request = builder.initRoot<schema::Request>();
    request.setId(42);
    request.setPurpose("round trip");
    auto hello = request.getBody().initHello();
    hello.setProtocolVersion(schema::PROTOCOL_VERSION);
    hello.setClient("frame-codec-test");
    const size_t segments = builder.getSegmentsForOutput().size();
    CHECK((many ? segments > 1 : segments == 1));

    auto words = EncodeFrame(builder);
    auto bytes = ToBytes(words);
    auto header = FrameHeaderBytes(First(bytes));
    REQUIRE(header.ok());
    auto total = FrameMessageBytes(std::span<const uint8_t>(bytes.data(), *header), kLimit);
    REQUIRE(total.ok());
    CHECK(*total == bytes.size());

    auto frame = DecodeFrame(std::move(words), kLimit);
    REQUIRE(frame.ok());
    auto root = GetRoot<schema::Request>(**frame);
    REQUIRE(root.ok());
    CHECK(root->getId() == 42);
    CHECK(std::string(root->getPurpose().cStr()) == "round trip");
    REQUIRE(root->getBody().isHello());
    CHECK(root->getBody().getHello().getProtocolVersion() == schema::PROTOCOL_VERSION);
    CHECK(std::string(root->getBody().getHello().getClient().cStr()) == "frame-codec-test");
  }
}

TEST_CASE("a message near the limit can be read whole after GetRoot checked it",
          "[robustness][frame]") {
  // GetRoot walks the whole message once; the handler then reads it again. The traversal
  // limit must leave room for both, or a large but honest request throws in the handler.
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setId(1);
  const size_t text_bytes = kLimit - 1024;
  std::string purpose(text_bytes, 'x');
  request.setPurpose(purpose);
  auto words = EncodeFrame(builder);
  REQUIRE(words.size() * 8 <= kLimit);
  auto frame = DecodeFrame(std::move(words), kLimit);
  REQUIRE(frame.ok());
  auto root = GetRoot<schema::Request>(**frame);
  REQUIRE(root.ok());
  // Read it all again, as the handler does, and once more, as copying it into the ledger does.
  size_t read = 0;
  REQUIRE_NOTHROW(read = std::string(root->getPurpose().cStr()).size());
  CHECK(read == text_bytes);
  REQUIRE_NOTHROW((void)root->totalSize());
}

}  // namespace
}  // namespace caseledger::server
