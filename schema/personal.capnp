# The child's personal data, sealed into `Event.sealed`.
#
# PERSISTED FORMAT: ordinals and enumerant numbers are never renumbered or reused.
@0xfa2422f83ecde687;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("caseledger::schema");
using Json = import "/capnp/compat/json.capnp";
using import "annotations.capnp".required;
using import "annotations.capnp".optional;

# ---------------------------------------------------------------------------------------------
# Personal data of the child. The ledger serializes it into `Event.sealed` (encrypted per child
# once keys exist) and never stores it in clear; erasure destroys the child's key. Every field is
# optional: a client sets only what the event adds or corrects.
# ---------------------------------------------------------------------------------------------

struct PersonalData {
  givenName @0 :Text;
  familyName @1 :Text;
  otherNames @2 :List(Text);
  # Aliases, previous names, spellings in other scripts.
  dateOfBirth @3 :Text;
  # ISO 8601 date (YYYY-MM-DD), or YYYY-MM / YYYY when only that is known.
  placeOfBirth @4 :Text;
  nationality @5 :List(Text);
  # ISO 3166 codes.
  languages @6 :List(Text);
  # ISO 639 codes, the child's strongest language first.
  gender @7 :Text;
  # As stated by the child.
  contacts @8 :List(Contact);
  addresses @9 :List(Text);
  identityDocuments @10 :List(IdentityDocument);
  photographRef @11 :Text;
  # Reference to the photograph in the document store, not the image.
  narrative @12 :Text;
  # Free-text narrative of the child's account and circumstances.
  notes @13 :Text;
  relatives @14 :List(Relative);
}

struct Contact {
  kind @0 :Kind $optional;
  value @1 :Text;

  enum Kind {
    # Persisted, never renumber.
    unspecified @0;
    phone @1;
    email @2;
    messagingApp @3;
    socialMedia @4;
    other @5;
  }
}

struct IdentityDocument {
  kind @0 :Kind $optional;
  number @1 :Text;
  issuingState @2 :Text;
  # ISO 3166 code.

  enum Kind {
    # Persisted, never renumber.
    unspecified @0;
    passport @1;
    nationalIdCard @2;
    birthCertificate @3;
    residencePermit @4;
    travelDocument @5;
    other @6;
  }
}

struct Relative {
  relation @0 :Relation $optional;
  givenName @1 :Text;
  familyName @2 :Text;
  contact @3 :Contact;

  enum Relation {
    # Persisted, never renumber.
    unspecified @0;
    mother @1;
    father @2;
    sibling @3;
    grandparent @4;
    auntOrUncle @5;
    cousin @6;
    otherRelative @7;
    caregiver @8;
    # Not related, but cared for the child.
  }
}
