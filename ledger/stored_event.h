// An event as the ledger stored it: its position and its canonical Cap'n Proto bytes.
#ifndef CASELEDGER_LEDGER_STORED_EVENT_H_
#define CASELEDGER_LEDGER_STORED_EVENT_H_

#include <capnp/message.h>
#include <kj/array.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "ledger/status.h"
#include "schema/events.capnp.h"

namespace caseledger {

// Owns an aligned copy of the stored bytes. Movable, not copyable. The reader is valid as long
// as the StoredEvent lives.
class StoredEvent {
 public:
  // Copies `bytes` (the canonical single-segment encoding, no segment table) into aligned
  // memory. Corruption when the bytes are not a whole number of words or not a readable event.
  static Result<StoredEvent> FromBytes(uint64_t position, std::string_view bytes);

  StoredEvent(StoredEvent&&) noexcept;
  StoredEvent& operator=(StoredEvent&&) noexcept;
  ~StoredEvent();

  uint64_t position() const { return position_; }
  schema::Event::Reader reader() const;
  // The stored bytes: the leaf input of the Merkle tree.
  std::span<const uint8_t> bytes() const;

 private:
  StoredEvent() = default;

  struct Holder;
  uint64_t position_ = 0;
  std::unique_ptr<Holder> holder_;
};

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_STORED_EVENT_H_
