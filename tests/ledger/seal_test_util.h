// Helpers of the sealing, key and erasure tests: searching every file of a directory for a
// secret, reading a raw data key record, and building the erasure and hold events that
// tests/support/test_events.h does not make.
#ifndef CASELEDGER_TESTS_LEDGER_SEAL_TEST_UTIL_H_
#define CASELEDGER_TESTS_LEDGER_SEAL_TEST_UTIL_H_

#include <capnp/message.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "schema/events.capnp.h"
#include "tests/support/test_events.h"

namespace caseledger::testing {

// The files under `root` (recursively) that contain `secret`, as raw bytes or in base64 at
// any of the three byte alignments.
inline std::vector<std::string> FilesContaining(const std::string& root,
                                                const std::string& secret) {
  std::vector<std::string> needles = {secret};
  for (size_t lead = 0; lead < 3; ++lead) {
    const std::string enc = EncodeBase64(AsBytes(std::string(lead, '\0') + secret));
    // Only the characters made of the secret's bytes alone: skip the group that mixes in the
    // leading bytes and the last group, which may mix in padding.
    const size_t skip = lead == 0 ? 0 : 4;
    const size_t whole = (secret.size() - (lead == 0 ? 0 : 3 - lead)) / 3 * 4;
    if (whole >= 8) needles.push_back(enc.substr(skip, whole));
  }
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    for (const auto& n : needles) {
      if (content.find(n) != std::string::npos) {
        found.push_back(entry.path().string());
        break;
      }
    }
  }
  return found;
}

// The raw child_keys record of `child_id`, read with RocksDB directly (the ledger must be
// closed); empty when there is none.
inline std::string RawChildKeyRecord(const std::string& data_dir, const std::string& child_id) {
  rocksdb::Options options;
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(options, data_dir, &names).ok()) return "";
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(options, data_dir, descriptors, &handles, &raw).ok()) return "";
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "child_keys")
      (void)db->Get(rocksdb::ReadOptions(), handles[i], child_id, &value);
  }
  for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
  return value;
}

// Deletes the child_keys record of `child_id` and records an unpurged erasure marker for it,
// with RocksDB directly and without a flush: what a stop between an erasure's write and its
// purge leaves behind. The ledger must be closed. False when the directory does not open.
inline bool LeaveUnpurgedErasure(const std::string& data_dir, const std::string& child_id,
                                 uint64_t position) {
  rocksdb::Options options;
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(options, data_dir, &names).ok()) return false;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, data_dir, descriptors, &handles, &raw).ok()) return false;
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteBatch batch;
  std::string marker;
  for (int i = 7; i >= 0; --i) marker.push_back(static_cast<char>((position >> (8 * i)) & 0xff));
  marker += std::string("\0\0\0\1\0", 5);  // generation 1, purged = 0
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "child_keys") batch.Delete(handles[i], child_id);
    if (names[i] == "erasures") batch.Put(handles[i], child_id, marker);
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const bool ok = db->Write(wo, &batch).ok();
  for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
  (void)db->Close();
  return ok;
}

// Builds events with bodies TestEvents does not know, over a TestEvents event of `spec`.
class PrivacyEvents {
 public:
  // A request to erase the child's data (R31); the ErasureExecuted events built after it
  // answer it (an executed erasure must name its request).
  schema::Event::Reader ErasureRequested(TestEvents& t, EventSpec spec) {
    auto ev = Copy(t.Make(spec));
    auto body = ev.initBody().initErasureRequested();
    body.setRequestRef("erasure-request-1");
    body.setRequester(schema::ErasureRequested::Requester::GUARDIAN);
    body.setScope(schema::ErasureRequested::Scope::ALL_PERSONAL_DATA);
    auto id = ev.getEventId();
    request_id_.assign(reinterpret_cast<const char*>(id.begin()), id.size());
    return ev.asReader();
  }
  schema::Event::Reader ErasureExecuted(TestEvents& t, EventSpec spec) {
    auto ev = Copy(t.Make(spec));
    auto body = ev.initBody().initErasureDecided();
    body.setRequestRef("erasure-request-1");
    body.setRequestEventRef(capnp::Data::Reader(
        reinterpret_cast<const uint8_t*>(request_id_.data()), request_id_.size()));
    body.setDecision(schema::ErasureDecided::Decision::EXECUTED);
    body.setGrounds("Art 17(1)(a)");
    return ev.asReader();
  }
  schema::Event::Reader HoldApplied(TestEvents& t, EventSpec spec, const std::string& hold_id) {
    auto ev = Copy(t.Make(spec));
    auto body = ev.initBody().initLegalHoldApplied();
    body.setHoldId(hold_id);
    body.setReason(schema::LegalHoldApplied::Reason::CRIMINAL_PROCEEDINGS);
    return ev.asReader();
  }
  schema::Event::Reader HoldReleased(TestEvents& t, EventSpec spec, const std::string& hold_id) {
    auto ev = Copy(t.Make(spec));
    ev.initBody().initLegalHoldReleased().setHoldId(hold_id);
    return ev.asReader();
  }

 private:
  schema::Event::Builder Copy(schema::Event::Reader base) {
    messages_.push_back(std::make_unique<capnp::MallocMessageBuilder>());
    messages_.back()->setRoot(base);
    return messages_.back()->getRoot<schema::Event>();
  }
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
  std::string request_id_;  // of the newest ErasureRequested built
};

}  // namespace caseledger::testing

#endif  // CASELEDGER_TESTS_LEDGER_SEAL_TEST_UTIL_H_
