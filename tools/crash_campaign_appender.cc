// The campaign's appenders and their shared record (tools/crash_campaign.h).
#include <capnp/message.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "tools/bench_util.h"
#include "tools/crash_campaign.h"

namespace caseledger::crash {

void Record::Acked(std::vector<Ack> acks, const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& id : ids) unacked_.erase(id);
  for (auto& a : acks) acks_.push_back(std::move(a));
}

void Record::Sent(const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  unacked_.insert(ids.begin(), ids.end());
}

void Record::Violation(const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (violation_.empty()) violation_ = what;
}

void Record::SawCheckpoint(std::string note) {
  std::lock_guard<std::mutex> lock(mu_);
  notes_.push_back(std::move(note));
}

std::vector<Ack> Record::acks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acks_;
}

std::set<std::string> Record::unacked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return unacked_;
}

std::string Record::violation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return violation_;
}

std::vector<std::string> Record::TakeCheckpoints() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(notes_, {});
}

// A batch keeps its messages for its whole life, so that every retry sends the very same
// events (same ids, same content): what idempotency needs to answer with the stored positions.
struct Appender::Batch {
  std::string case_id;
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
  std::vector<schema::Event::Reader> events;
  std::vector<std::string> ids;
  ExpectedVersion expected = ExpectedVersion::Any();  // fixed when made: retries send the same
  uint64_t attempts = 0;
};

Appender::Appender(AppenderOptions options, Record* record)
    : options_(std::move(options)),
      record_(record),
      rng_(bench::Mix(options_.seed ^ (options_.index + 1))) {
  thread_ = std::thread([this] { Run(); });
}

Appender::~Appender() {
  stop_ = true;
  thread_.join();
}

void Appender::SetServer(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  address_ = address;
}

void Appender::Resume() { run_ = true; }

void Appender::Pause() {
  run_ = false;
  while (!idle_) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

void Appender::Run() {
  while (!stop_) {
    if (!run_) {
      idle_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    idle_ = false;
    if (!run_) continue;  // Pause may have looked at idle_ just before it was cleared
    Attempt();
  }
  idle_ = true;
}

std::unique_ptr<Appender::Batch> Appender::NextBatch() {
  auto b = std::make_unique<Batch>();
  rng_ = bench::Mix(rng_);
  const size_t n = 1 + rng_ % options_.max_batch;
  const size_t which = (rng_ >> 20) % options_.cases;
  char case_id[32];
  std::snprintf(case_id, sizeof case_id, "crash-case-%04zu", options_.index * options_.cases + which);
  b->case_id = case_id;
  if (options_.exact_versions) {
    auto head = heads_.find(b->case_id);
    b->expected = head == heads_.end() ? ExpectedVersion::NoStream()
                                       : ExpectedVersion::Exact(head->second);
  }
  bench::EventAuthor author;
  author.agency_id = options_.agency_id;
  author.agency_role = options_.barnahus ? schema::AgencyRole::BARNAHUS
                                         : schema::AgencyRole::CHILD_PROTECTION;
  author.personal = options_.index % 2 == 1;  // invented names: sealing takes part in the crash
  const int64_t now = bench::NowMicrosSinceEpoch();
  for (size_t i = 0; i < n; ++i) {
    auto message = std::make_unique<capnp::MallocMessageBuilder>();
    auto ev = message->initRoot<schema::Event>();
    bench::FillEvent(ev, b->case_id, now, 0, author);
    // "crsh", the appender, a counter: distinct across the campaign.
    std::string id(16, '\0');
    std::memcpy(id.data(), "crsh", 4);
    bench::PutBigEndian64(id.data() + 4, (uint64_t{options_.index} << 40) | next_id_++);
    id.resize(16);
    ev.setEventId(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
    b->ids.push_back(id);
    b->events.push_back(ev.asReader());
    b->messages.push_back(std::move(message));
  }
  return b;
}

void Appender::Attempt() {
  if (!pending_) pending_ = NextBatch();
  if (!client_) {
    server::ClientOptions o = options_.client;
    {
      std::lock_guard<std::mutex> lock(mu_);
      o.server = address_;
    }
    auto c = server::Client::Connect(o);
    if (!c.ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return;
    }
    client_ = std::move(*c);
  }
  Batch& b = *pending_;
  if (b.attempts++ > 0) record_->counters().retries++;
  record_->Sent(b.ids);
  auto r = client_->Append(b.case_id, b.expected, b.events);
  if (!r.ok()) {
    const auto code = r.status().code();
    if (code == Status::Code::kInvalidArgument || code == Status::Code::kConflict ||
        code == Status::Code::kPermissionDenied || code == Status::Code::kCorruption) {
      record_->Violation("appender " + std::to_string(options_.index) + ": append refused: " +
                         r.status().ToString());
      run_ = false;
    }
    client_.reset();  // unknown outcome: reconnect and retry the same ids
    return;
  }
  if (r->positions.size() != b.ids.size()) {
    record_->Violation("appender " + std::to_string(options_.index) + ": " +
                       std::to_string(r->positions.size()) + " positions for " +
                       std::to_string(b.ids.size()) + " events");
    run_ = false;
    return;
  }
  std::vector<Ack> acks;
  for (size_t i = 0; i < b.ids.size(); ++i) {
    acks.push_back({b.ids[i], b.case_id, r->positions[i], r->first_version + i});
  }
  record_->Acked(std::move(acks), b.ids);
  heads_[b.case_id] = r->head_version;
  auto& c = record_->counters();
  if (r->deduplicated) c.deduplicated++;
  if (r->deduplicated && options_.exact_versions) c.deduplicated_exact++;
  c.appends_acked++;
  c.events_acked += b.ids.size();
  int64_t zero = 0;
  c.first_ack_nanos.compare_exchange_strong(zero, bench::NowNanos());
  pending_.reset();
  // Now and then keep a checkpoint the server hands out: the campaign checks later ones
  // against it.
  if (options_.index == 0 && c.appends_acked % 16 == 0) {
    auto note = client_->GetCheckpoint();
    if (note.ok()) record_->SawCheckpoint(std::move(*note));
  }
}

}  // namespace caseledger::crash
