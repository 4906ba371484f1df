#include "server/frame_codec.h"

#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace caseledger::server {
namespace {

uint32_t LoadLittleEndian32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// Every pointer a reader follows counts its target against the traversal limit, and every
// pass over a message counts again: GetRoot walks the whole message once to check it, the
// request handler reads it again, copying events into the ledger reads them once more. So the
// limit is a multiple of the message's own size: enough for a few honest passes, while a
// message whose pointers share their targets (to make readers walk far more than was sent)
// is still refused in GetRoot.
constexpr uint64_t kTraversalPasses = 8;

capnp::ReaderOptions ReaderOptionsFor(size_t message_words) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = kTraversalPasses * message_words + 1024;
  options.nestingLimit = 64;
  return options;
}

}  // namespace

Result<size_t> FrameHeaderBytes(std::span<const uint8_t, kFirstHeaderBytes> first_word) {
  const uint64_t segment_count = uint64_t{LoadLittleEndian32(first_word.data())} + 1;
  if (segment_count > kMaxSegments) {
    return Status::InvalidArgument("frame has " + std::to_string(segment_count) +
                                   " segments; at most " + std::to_string(kMaxSegments) +
                                   " are accepted");
  }
  // One UInt32 for the count, one per segment, padded to a whole word.
  const size_t table_bytes = 4 * (1 + segment_count);
  return (table_bytes + 7) / 8 * 8;
}

Result<size_t> FrameMessageBytes(std::span<const uint8_t> header, size_t max_message_bytes) {
  if (header.size() < kFirstHeaderBytes) return Status::InvalidArgument("frame header too short");
  auto expected = FrameHeaderBytes(header.first<kFirstHeaderBytes>());
  if (!expected.ok()) return expected.status();
  if (header.size() != *expected) return Status::InvalidArgument("frame header length mismatch");
  const uint64_t segment_count = uint64_t{LoadLittleEndian32(header.data())} + 1;
  uint64_t total = header.size();
  for (uint64_t i = 0; i < segment_count; ++i) {
    const uint64_t words = LoadLittleEndian32(header.data() + 4 * (1 + i));
    total += words * sizeof(capnp::word);
    if (total > max_message_bytes) {
      return Status::InvalidArgument("message larger than the limit of " +
                                     std::to_string(max_message_bytes) + " bytes");
    }
  }
  if (total == header.size()) return Status::InvalidArgument("message has no content");
  return static_cast<size_t>(total);
}

DecodedFrame::DecodedFrame(kj::Array<capnp::word> words, size_t max_message_bytes)
    : words_(std::move(words)),
      reader_(std::make_unique<capnp::FlatArrayMessageReader>(
          words_.asPtr(),
          ReaderOptionsFor(std::min(words_.size(), max_message_bytes / sizeof(capnp::word))))) {}

Result<std::unique_ptr<DecodedFrame>> DecodeFrame(kj::Array<capnp::word> words,
                                                  size_t max_message_bytes) {
  std::unique_ptr<DecodedFrame> frame;
  Status status = detail::CatchDecode([&] {
    frame = std::make_unique<DecodedFrame>(std::move(words), max_message_bytes);
  });
  if (!status.ok()) return status;
  return frame;
}

kj::Array<capnp::word> EncodeFrame(capnp::MessageBuilder& message) {
  return capnp::messageToFlatArray(message);
}

namespace detail {

Status CatchDecode(const std::function<void()>& fn) {
  try {
    fn();
    return Status::OK();
  } catch (const kj::Exception& e) {
    return Status::InvalidArgument("malformed message: " + std::string(e.getDescription().cStr()));
  }
}

}  // namespace detail
}  // namespace caseledger::server
