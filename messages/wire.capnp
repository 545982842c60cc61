# TimeCoin wire schema: every peer message and every ledger object.
#
# Evolution rules: never renumber or retype a field; add new fields with the
# next ordinal; add new message kinds as new union members. Readers ignore
# fields they do not know. The handshake carries protocolVersion; a peer
# whose version we cannot speak is rejected with a Reject message.
#
# Hashes, keys and signatures are Data of fixed length (32, 32, 64 bytes);
# the decoder rejects any other length. Hashing never uses this encoding:
# see ENCODING.md for the deterministic bytes that txids, block hashes and
# sign-bytes are computed over.

@0x8fff4c61c2655bf1;

$import "/capnp/c++.capnp".namespace("tc::wire");

# ---- ledger objects ----

struct OutPoint {
  txid  @0 :Data;     # 32 bytes
  index @1 :UInt32;
}

struct TxInput {
  prev      @0 :OutPoint;
  signature @1 :Data;  # 64 bytes, BIP340
}

struct TxOutput {
  value @0 :Int64;     # units of 1e-8 TIME
  owner @1 :Data;      # 32-byte x-only public key
}

enum TxKind {
  transfer     @0;
  reward       @1;
  genesis      @2;
  mnRegister   @3;
  mnDeregister @4;
}

enum Tier {
  free   @0;
  bronze @1;
  silver @2;
  gold   @3;
}

struct MasternodeRegistration {
  tier        @0 :Tier;
  collateral  @1 :OutPoint;   # unused (zero) for the free tier
  operatorKey @2 :Data;       # masternode (validator) key, 32 bytes
  netAddress  @3 :Text;       # host:port
  operatorSig @4 :Data;       # operator key over the tx sighash
  ownerSig    @5 :Data;       # collateral owner over the tx sighash
}

struct MasternodeDeregistration {
  operatorKey @0 :Data;
  ownerSig    @1 :Data;       # collateral owner (free tier: operator)
}

struct Transaction {
  version        @0 :UInt32;
  kind           @1 :TxKind;
  height         @2 :UInt64;  # reward/genesis: block height; other kinds 0
  inputs         @3 :List(TxInput);
  outputs        @4 :List(TxOutput);
  registration   @5 :MasternodeRegistration;   # kind == mnRegister only
  deregistration @6 :MasternodeDeregistration; # kind == mnDeregister only
}

struct BlockHeader {
  version      @0 :UInt32;
  height       @1 :UInt64;
  timestampMs  @2 :UInt64;
  prevHash     @3 :Data;
  merkleRoot   @4 :Data;
  evidenceHash @5 :Data;
  proposer     @6 :Data;
}

struct Vote {
  type      @0 :VoteType;
  height    @1 :UInt64;
  round     @2 :UInt32;
  blockHash @3 :Data;   # 32 zero bytes = nil
  validator @4 :Data;
  signature @5 :Data;
}

enum VoteType {
  prevote   @0;
  precommit @1;
}

struct Evidence {
  # Two conflicting votes by one validator at one height/round/type.
  voteA @0 :Vote;
  voteB @1 :Vote;
}

struct Block {
  header   @0 :BlockHeader;
  txs      @1 :List(Transaction);
  evidence @2 :List(Evidence);
}

struct CommitSig {
  validator @0 :Data;
  signature @1 :Data;
}

struct CommitCertificate {
  height    @0 :UInt64;
  round     @1 :UInt32;
  blockHash @2 :Data;
  sigs      @3 :List(CommitSig);
}

struct Proposal {
  height    @0 :UInt64;
  round     @1 :UInt32;
  polRound  @2 :Int32;  # -1: no proof-of-lock round
  block     @3 :Block;
  proposer  @4 :Data;
  signature @5 :Data;
}

# A proposal without its txs' bodies (protocol 4): the reward tx whole, then
# the other txs' wtxids (32 bytes each, concatenated) in block order; the
# receiver rebuilds the block from its mempool and fetches what it lacks.
struct CompactProposal {
  height    @0 :UInt64;
  round     @1 :UInt32;
  polRound  @2 :Int32;
  header    @3 :BlockHeader;
  reward    @4 :Transaction;
  wtxids    @5 :Data;
  evidence  @6 :List(Evidence);
  proposer  @7 :Data;
  signature @8 :Data;
}

struct GetBlockTxs {
  blockHash @0 :Data;
  indexes   @1 :List(UInt32);  # positions in the block's txs, ascending
}

struct BlockTxs {
  blockHash @0 :Data;
  txs       @1 :List(Transaction);  # those asked for, in the order asked
}

struct BlockWithCert {
  block @0 :Block;
  cert  @1 :CommitCertificate;
}

# ---- peer messages ----

struct Handshake {
  protocolVersion @0 :UInt32;
  chainId         @1 :Text;
  genesisHash     @2 :Data;
  nodeKey         @3 :Data;
  listenAddr      @4 :Text;
  nonce           @5 :Data;   # 32 fresh random bytes
  bestHeight      @6 :UInt64;
  userAgent       @7 :Text;
  minProtocolVersion @8 :UInt32;  # the oldest version this node speaks (0: protocolVersion only)
}

struct HandshakeAck {
  nonceSig @0 :Data;          # signature by nodeKey over the peer's nonce
}

struct PeerAddress {
  addr       @0 :Text;
  nodeKey    @1 :Data;
  lastSeenMs @2 :UInt64;
}

struct Message {
  union {
    handshake    @0  :Handshake;
    handshakeAck @1  :HandshakeAck;
    ping         @2  :UInt64;           # nonce
    pong         @3  :UInt64;           # echoed nonce
    getPeers     @4  :Void;
    peers        @5  :List(PeerAddress);
    tx           @6  :Transaction;
    getTxs       @7  :List(Data);       # wtxids (protocol 5)
    proposal     @8  :Proposal;
    prevote      @9  :Vote;
    precommit    @10 :Vote;
    commitCert   @11 :CommitCertificate;
    block        @12 :BlockWithCert;
    getBlocks    @13 :GetBlocks;
    blocks       @14 :List(BlockWithCert);
    getTip       @15 :Void;
    tip          @16 :Tip;
    evidence     @17 :Evidence;
    reject       @18 :Reject;
    compactProposal @19 :CompactProposal;
    getBlockTxs  @20 :GetBlockTxs;
    blockTxs     @21 :BlockTxs;
    txInv        @22 :Data;             # wtxids, 32 bytes each (protocol 5)
  }
}

struct GetBlocks {
  fromHeight @0 :UInt64;
  count      @1 :UInt32;
}

struct Tip {
  height @0 :UInt64;
  hash   @1 :Data;
}

struct Reject {
  code   @0 :UInt32;
  reason @1 :Text;
}
