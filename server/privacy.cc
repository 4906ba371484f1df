#include "server/privacy.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

namespace caseledger::server {

using State = UnsealedPersonal::State;

Status WithPersonalData(std::string_view canonical,
                        const std::function<void(schema::PersonalData::Reader)>& fn) {
  if (canonical.empty() || canonical.size() % sizeof(capnp::word) != 0) {
    return Status::Corruption("opened personal data is not a whole number of words (" +
                              std::to_string(canonical.size()) + " bytes)");
  }
  // Readers need word-aligned memory; the ledger hands over a string.
  auto words = kj::heapArray<capnp::word>(canonical.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), canonical.data(), canonical.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
    capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1));
    fn(reader.getRoot<schema::PersonalData>());
  })) {
    return Status::Corruption(std::string("opened personal data is unreadable: ") +
                              e->getDescription().cStr());
  }
  return Status::OK();
}

Status SetUnsealed(const UnsealedPersonal& opened, schema::UnsealedPersonal::Builder out) {
  switch (opened.state) {
    case State::kNone:
      out.setState(schema::UnsealedPersonal::State::NONE);
      return Status::OK();
    case State::kErased:
      out.setState(schema::UnsealedPersonal::State::ERASED);
      return Status::OK();
    case State::kOpen:
      out.setState(schema::UnsealedPersonal::State::OPEN);
      return WithPersonalData(opened.canonical,
                              [&](schema::PersonalData::Reader data) { out.setData(data); });
  }
  return Status::Corruption("unknown state of opened personal data");
}

Result<UnsealedPersonal> UnsealedFrom(schema::UnsealedPersonal::Reader entry) {
  UnsealedPersonal out;
  switch (entry.getState()) {
    case schema::UnsealedPersonal::State::NONE:
      out.state = State::kNone;
      return out;
    case schema::UnsealedPersonal::State::ERASED:
      out.state = State::kErased;
      return out;
    case schema::UnsealedPersonal::State::OPEN: {
      out.state = State::kOpen;
      auto words = capnp::canonicalize(entry.getData());
      auto bytes = words.asBytes();
      out.canonical.assign(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
      return out;
    }
    default:
      return Status::Corruption("the server sent opened personal data in no known state");
  }
}

Result<std::string> UnsealedEventLine(const EventJson& json, const std::string& event_line,
                                      const UnsealedPersonal& opened) {
  std::string member;
  switch (opened.state) {
    case State::kNone:
      return event_line;
    case State::kErased:
      member = "\"personal\":\"erased\",";
      break;
    case State::kOpen: {
      Status s = WithPersonalData(opened.canonical, [&](schema::PersonalData::Reader data) {
        member = "\"personal\":" + json.Format(data) + ",";
      });
      if (!s.ok()) return s;
      break;
    }
  }
  std::string line = event_line;
  // In front, as `--leaf-hash` does: the line is one JSON object.
  line.insert(1, member);
  return line;
}

}  // namespace caseledger::server
