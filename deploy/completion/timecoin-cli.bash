# bash completion for timecoin-cli. Install:
#   install -m 644 deploy/completion/timecoin-cli.bash /usr/share/bash-completion/completions/timecoin-cli
# RPC method names come from the running node (`timecoin-cli help`, with the
# options already typed, so --datadir/--rpc-url reach the right node); when
# no node answers, the wallet commands and options still complete.
_timecoin_cli() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local opts="--datadir --config --network --rpc-url --rpc-user --rpc-password --rpcwait --version
    --key --to --amount --fee --wait --address --collateral --operator-key --out --dry-run --help"
  local wallet="keygen address balance send register-masternode"
  case $prev in
    --datadir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --config | --key | --out | --operator-key) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --network) COMPREPLY=($(compgen -W "mainnet testnet localnet" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  # The options typed so far (not the method), for asking the same node.
  local i pass=()
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      --datadir | --config | --network | --rpc-url | --rpc-user | --rpc-password)
        pass+=("${words[i]}" "${words[i + 1]}"); ((i++)) ;;
    esac
  done
  local methods
  methods=$(timeout 2 "${words[0]}" "${pass[@]}" help 2>/dev/null | awk '{print $1}')
  local takes=" --datadir --config --network --rpc-url --rpc-user --rpc-password --key --to
    --amount --fee --address --collateral --operator-key --out "
  local first=""
  for ((i = 1; i < cword; i++)); do
    if [[ ${words[i]} == -* ]]; then
      [[ $takes == *" ${words[i]} "* || $takes == *" ${words[i]}"$'\n'* ]] && ((i++))
      continue
    fi
    first=${words[i]}
    break
  done
  if [ -z "$first" ]; then
    COMPREPLY=($(compgen -W "$wallet $methods" -- "$cur"))
  elif [ "$first" = help ]; then
    COMPREPLY=($(compgen -W "$methods" -- "$cur"))
  fi
}
complete -F _timecoin_cli timecoin-cli
