// The wire framing: each message is one Cap'n Proto message in the standard stream framing
// (docs/wire_protocol.md): a little-endian UInt32 segment count minus one, a UInt32 size in
// words per segment, padding to 8 bytes, then the segments. Pure functions, no sockets: the
// session reads the 8 bytes of the first header word, asks how long the header is, reads it,
// asks how long the whole message is, reads it, then decodes.
#ifndef CASELEDGER_SERVER_FRAME_CODEC_H_
#define CASELEDGER_SERVER_FRAME_CODEC_H_

#include <capnp/message.h>
#include <kj/array.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "ledger/status.h"

namespace caseledger::server {

// Messages with more segments than this are refused before anything else is read.
inline constexpr uint32_t kMaxSegments = 64;
// The first header word: segment count minus one, then the size of segment 0.
inline constexpr size_t kFirstHeaderBytes = 8;

// The size in bytes of the whole segment table, from its first 8 bytes. ProtocolError-class
// InvalidArgument when the segment count is over kMaxSegments.
Result<size_t> FrameHeaderBytes(std::span<const uint8_t, kFirstHeaderBytes> first_word);

// The size in bytes of the whole message (table and segments), from the whole table.
// InvalidArgument when it is over `max_message_bytes` or the table is inconsistent.
Result<size_t> FrameMessageBytes(std::span<const uint8_t> header, size_t max_message_bytes);

// A message read from the wire: owns its words.
class DecodedFrame {
 public:
  DecodedFrame(kj::Array<capnp::word> words, size_t max_message_bytes);
  DecodedFrame(const DecodedFrame&) = delete;
  DecodedFrame& operator=(const DecodedFrame&) = delete;

  capnp::MessageReader& reader() { return *reader_; }

 private:
  kj::Array<capnp::word> words_;
  std::unique_ptr<capnp::MessageReader> reader_;
};

// Decodes a whole framed message (as measured by FrameMessageBytes). InvalidArgument when the
// framing is malformed. The root is not checked here: callers read it with
// `GetRoot<T>(frame)`, which turns Cap'n Proto's exceptions into a status. Readers of the
// frame may follow pointers to a few times the message's size in total (a few passes over it),
// so a message whose pointers share their targets cannot make them walk much further.
Result<std::unique_ptr<DecodedFrame>> DecodeFrame(kj::Array<capnp::word> words,
                                                  size_t max_message_bytes);

// Encodes a message in the stream framing.
kj::Array<capnp::word> EncodeFrame(capnp::MessageBuilder& message);

// The root of a decoded frame as a `T::Reader`, validated (pointers in bounds, within the
// traversal limit). InvalidArgument when the message is malformed.
template <typename T>
Result<typename T::Reader> GetRoot(DecodedFrame& frame);

namespace detail {
Status CatchDecode(const std::function<void()>& fn);
}

template <typename T>
Result<typename T::Reader> GetRoot(DecodedFrame& frame) {
  typename T::Reader root;
  Status status = detail::CatchDecode([&] {
    root = frame.reader().getRoot<T>();
    // Touch the whole message: a malformed pointer deep inside surfaces here, once, rather
    // than wherever a handler happens to read it.
    (void)root.totalSize();
  });
  if (!status.ok()) return status;
  return root;
}

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_FRAME_CODEC_H_
