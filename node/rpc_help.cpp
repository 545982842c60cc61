#include "node/rpc_help.hpp"

namespace tc {

const std::map<std::string, rpc_method_help>& rpc_help_table() {
  static const std::map<std::string, rpc_method_help> t = {
      {"addnode",
       {"addnode HOST:PORT add|remove|onetry",
        "Add a peer that is kept and redialled (as network.addnode) until a restart, "
        "remove one, or dial an address once. Added peers are never banned for what an upgrade can "
        "cause."}},
      {"backupchain",
       {"backupchain DEST",
        "Write a consistent copy of chain.db to DEST (a new file; relative paths "
        "are under the data dir) while the node runs. README: Backups."}},
      {"clearban", {"clearban [SUBJECT]", "Lift one ban (ip:ADDRESS, key:HEX or an IP), or all."}},
      {"decoderawtransaction", {"decoderawtransaction HEX", "Decode a raw transaction."}},
      {"disconnectnode",
       {"disconnectnode HOST:PORT|ID",
        "Close the connection to a peer now (getpeerinfo's address or id)."}},
      {"getaddednodeinfo",
       {"getaddednodeinfo", "The added peers (config and addnode) and whether each is connected."}},
      {"getbalance", {"getbalance ADDRESS", "The confirmed balance of an address."}},
      {"getbestblockhash", {"getbestblockhash", "The hash of the tip."}},
      {"getblock", {"getblock HEIGHT|HASH [VERBOSE]", "A committed block and its certificate."}},
      {"getblockchaininfo",
       {"getblockchaininfo",
        "Chain, tip, genesis and parameters; initialsync, the sync target and an ETA."}},
      {"getblockcount", {"getblockcount", "The height of the tip."}},
      {"getblockhash", {"getblockhash HEIGHT", "The hash of the block at HEIGHT."}},
      {"getblockheader", {"getblockheader HEIGHT|HASH", "A block's header."}},
      {"getconnectioncount", {"getconnectioncount", "The number of connected peers."}},
      {"getconsensusinfo",
       {"getconsensusinfo",
        "Height, round and step being decided; the validator set; the last "
        "commit certificate."}},
      {"getforkevidence", {"getforkevidence", "A stored proof of a fork, if any."}},
      {"getinfo", {"getinfo", "A summary: version, network, tip, peers, mempool, validators."}},
      {"getmempoolinfo", {"getmempoolinfo", "Mempool size, bytes and limits."}},
      {"getnetworkinfo",
       {"getnetworkinfo",
        "Version, commit, build, protocol versions, connections, listen "
        "address."}},
      {"getpeerinfo",
       {"getpeerinfo",
        "Each connected peer: key, address, direction, version, "
        "RTT, misbehaviour score, traffic."}},
      {"getrawmempool", {"getrawmempool", "The txids in the mempool."}},
      {"getrawtransaction",
       {"getrawtransaction TXID [VERBOSE]", "A transaction from the mempool or a block."}},
      {"gettransactionfinality",
       {"gettransactionfinality TXID", "Whether a transaction is final (in a committed block)."}},
      {"gettxout", {"gettxout TXID N", "An unspent output."}},
      {"gettxoutsetinfo", {"gettxoutsetinfo", "UTXO count, total and digest (slow on big sets)."}},
      {"help", {"help [METHOD]", "The methods, or one method's usage."}},
      {"listbanned", {"listbanned", "The bans in force."}},
      {"listunspent", {"listunspent ADDRESS", "The unspent outputs of an address."}},
      {"logging",
       {"logging [INCLUDE] [EXCLUDE]",
        "Switch debug categories on and off: consensus, mempool, p2p, rpc, storage, "
        "sync, all or none (arrays, or \"a,b\")."}},
      {"masternodelist", {"masternodelist", "The registered masternodes."}},
      {"masternodestatus", {"masternodestatus", "Whether this node validates, at what height."}},
      {"sendrawtransaction", {"sendrawtransaction HEX", "Submit a signed transaction."}},
      {"setban",
       {"setban SUBJECT add|remove [SECONDS]",
        "Ban (and disconnect) ip:ADDRESS, key:HEX or an IP, for SECONDS or for good; "
        "or lift it."}},
      {"settrace", {"settrace true|false", "Record actor message flows to the trace file."}},
      {"stop", {"stop", "Stop the node (orderly, like SIGTERM)."}},
      {"testmempoolaccept",
       {"testmempoolaccept [HEX...]",
        "Whether transactions would be admitted, without admitting them."}},
      {"uptime", {"uptime", "Seconds since the node started."}},
      {"validateaddress", {"validateaddress ADDRESS", "Whether an address is valid here."}},
      {"waittransactionfinality",
       {"waittransactionfinality TXID [TIMEOUT_MS]",
        "Wait until a transaction is final or the timeout passes."}},
  };
  return t;
}

}  // namespace tc
