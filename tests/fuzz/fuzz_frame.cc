// Fuzz target: the bytes a client sends to caseledgerd, read as server/session.cc's ReadLoop
// reads them: frame by frame (FrameHeaderBytes, FrameMessageBytes, DecodeFrame), each frame's
// root as a Request (GetRoot), and an append's events checked as the ledger checks them
// (size, ValidateClientEvent, copy). The input is a stream of frames; a seed is a real
// client's whole session (tests/fuzz/make_seeds.sh).
//
// Invariants, beyond "no crash, no sanitizer report":
// - the sizes the codec reports are whole words, within the limit, and a header is followed
//   by content;
// - a request that decodes, re-encoded with EncodeFrame, frames to exactly its length,
//   decodes again, and is canonically the same message.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>
#include <span>

#include "ledger/event_validation.h"
#include "schema/protocol.capnp.h"
#include "server/frame_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace caseledger::fuzz {
namespace {

using server::DecodeFrame;
using server::EncodeFrame;
using server::FrameHeaderBytes;
using server::FrameMessageBytes;
using server::GetRoot;
using server::kFirstHeaderBytes;

// The server's default limit (server/config.h); small enough that the fuzzer reaches it.
constexpr size_t kMaxMessageBytes = 4 << 20;
// Occurred-at times may lie up to this far after "now" (the ledger's default skew).
constexpr int64_t kNowMicros = 1790000000LL * 1000000;
constexpr int64_t kSkewMicros = 5LL * 60 * 1000000;

kj::Array<capnp::word> WordsOf(std::span<const uint8_t> bytes) {
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), words.size() * sizeof(capnp::word));
  return words;
}

std::span<const uint8_t> BytesOf(const kj::Array<capnp::word>& words) {
  return {reinterpret_cast<const uint8_t*>(words.begin()), words.size() * sizeof(capnp::word)};
}

// What the ledger does with an append's events before it writes anything (ledger.cc).
void CheckAppend(schema::AppendRequest::Reader append) {
  for (schema::Event::Reader event : append.getEvents()) {
    (void)event.totalSize();
    (void)ValidateClientEvent(event, kNowMicros, kSkewMicros);
    capnp::MallocMessageBuilder copy;
    copy.setRoot(event);
  }
}

bool SameWords(const kj::Array<capnp::word>& a, const kj::Array<capnp::word>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.begin(), b.begin(), a.size() * sizeof(capnp::word)) == 0;
}

// Re-encodes a request (copied into `builder`; `canonical` is its canonical form) and checks
// that it comes back the same.
void CheckRoundTrip(const kj::Array<capnp::word>& canonical, capnp::MallocMessageBuilder& builder) {
  kj::Array<capnp::word> encoded = EncodeFrame(builder);
  std::span<const uint8_t> bytes = BytesOf(encoded);
  FUZZ_CHECK(bytes.size() >= kFirstHeaderBytes, "encoded frame shorter than a header");
  auto header = FrameHeaderBytes(bytes.first<kFirstHeaderBytes>());
  FUZZ_CHECK(header.ok(), header.status().message());
  auto total = FrameMessageBytes(bytes.first(*header), SIZE_MAX);
  FUZZ_CHECK(total.ok(), total.status().message());
  FUZZ_CHECK(*total == bytes.size(), "re-encoded frame's length disagrees with its header");

  auto frame = DecodeFrame(WordsOf(bytes), SIZE_MAX);
  FUZZ_CHECK(frame.ok(), frame.status().message());
  auto again = GetRoot<schema::Request>(**frame);
  FUZZ_CHECK(again.ok(), again.status().message());
  FUZZ_CHECK(SameWords(canonical, capnp::canonicalize(*again)), "re-encoded request differs");
}

// One frame, as the session handles it. False when the session would close.
bool CheckFrame(kj::Array<capnp::word> words) {
  auto frame = DecodeFrame(std::move(words), kMaxMessageBytes);
  if (!frame.ok()) return false;
  auto request = GetRoot<schema::Request>(**frame);
  if (!request.ok()) return false;
  // Past GetRoot the session and handlers read fields as they need them; a malformed text
  // (no NUL) throws then, and the session's top level catches it and closes.
  try {
    (void)request->getPurpose();
    if (request->getBody().which() == schema::Request::Body::APPEND) {
      CheckAppend(request->getBody().getAppend());
    }
  } catch (const kj::Exception&) {
    return false;
  }
  // A message that passes GetRoot but whose pointers share their targets can exceed the
  // traversal limit on a later pass: the server refuses it then too (a kj::Exception).
  capnp::MallocMessageBuilder builder;
  kj::Array<capnp::word> canonical;
  try {
    canonical = capnp::canonicalize(*request);
    builder.setRoot(*request);
  } catch (const kj::Exception&) {
    return false;
  }
  CheckRoundTrip(canonical, builder);
  return true;
}

}  // namespace
}  // namespace caseledger::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace caseledger::fuzz;
  using namespace caseledger::server;
  std::span<const uint8_t> rest(data, size);
  while (rest.size() >= kFirstHeaderBytes) {
    auto header = FrameHeaderBytes(rest.first<kFirstHeaderBytes>());
    if (!header.ok()) return 0;
    FUZZ_CHECK(
        *header >= kFirstHeaderBytes && *header % 8 == 0 && *header <= 4 * (kMaxSegments + 1) + 4,
        "header size " + std::to_string(*header));
    if (rest.size() < *header) return 0;
    auto total = FrameMessageBytes(rest.first(*header), kMaxMessageBytes);
    if (!total.ok()) return 0;
    FUZZ_CHECK(*total > *header && *total <= kMaxMessageBytes && *total % 8 == 0,
               "message size " + std::to_string(*total));
    if (rest.size() < *total) return 0;
    if (!CheckFrame(WordsOf(rest.first(*total)))) return 0;
    rest = rest.subspan(*total);
  }
  return 0;
}
