#include "ledger/stored_event.h"

#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

namespace caseledger {

struct StoredEvent::Holder {
  kj::Array<capnp::word> words;
  kj::ArrayPtr<const capnp::word> segments[1];
  std::unique_ptr<capnp::SegmentArrayMessageReader> reader;
};

Result<StoredEvent> StoredEvent::FromBytes(uint64_t position, std::string_view bytes) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
    return Status::Corruption("event at position " + std::to_string(position) +
                              " is not a whole number of words (" + std::to_string(bytes.size()) +
                              " bytes)");
  }
  StoredEvent ev;
  ev.position_ = position;
  ev.holder_ = std::make_unique<Holder>();
  Holder& h = *ev.holder_;
  h.words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(h.words.begin(), bytes.data(), bytes.size());
  h.segments[0] = h.words.asPtr();
  Status status;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 1u << 26;
    h.reader = std::make_unique<capnp::SegmentArrayMessageReader>(
        kj::arrayPtr(h.segments, 1), options);
    // Touch the root so that a bad pointer is found here, not later by a caller.
    (void)h.reader->getRoot<schema::Event>().getCaseId();
  })) {
    return Status::Corruption("event at position " + std::to_string(position) +
                              " is not a readable event: " + e->getDescription().cStr());
  }
  return ev;
}

StoredEvent::StoredEvent(StoredEvent&&) noexcept = default;
StoredEvent& StoredEvent::operator=(StoredEvent&&) noexcept = default;
StoredEvent::~StoredEvent() = default;

schema::Event::Reader StoredEvent::reader() const {
  return holder_->reader->getRoot<schema::Event>();
}

std::span<const uint8_t> StoredEvent::bytes() const {
  auto b = holder_->words.asBytes();
  return {b.begin(), b.size()};
}

}  // namespace caseledger
