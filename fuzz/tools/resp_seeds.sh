#!/usr/bin/env bash
# fuzz/tools/resp_seeds.sh: writes the seed corpora of resp_parse and resp_split and their
# dictionary, so that when a target's input format changes the seeds are regenerated in the
# same commit. Rewrites only corpus/resp_parse/, corpus/resp_split/ and the dictionaries.
#
# Streams are real traffic shapes (redis-cli and redis-benchmark 7.0.15 requests captured
# through a logging proxy: start-up CONFIG GETs, pipelined runs of the default tests, -d 40
# -r values), telnet-style inline commands, the malformed inputs of Redis's
# tests/unit/protocol.tcl and of the live-verified table in the protocol notes, and each
# small limit met exactly and breached.
#
# Input formats (see each target's header comment):
#   resp_parse:  <config byte> <stream>
#   resp_split:  <config byte> <cut count> <cuts, u16 little-endian> <stream>
# config: id = byte % 8 = the limit set (0 small: 8 args, 16-byte bulks, 24-byte lines,
# 96-byte requests; 1 tiny: 3, 4, 16, 24; 2 roomy: 64, 512, 256, 4096; 3: resp_parse's large
# 1024, 1 MiB, 64 KiB, 4 MiB, resp_split's medium 16, 64, 40, 300; ids 4-7 unassigned: such
# an input is refused), bit 7 = not authenticated.
set -euo pipefail
cd "$(dirname "$0")/../.."

parse_dir=corpus/resp_parse
split_dir=corpus/resp_split
rm -rf "$parse_dir" "$split_dir"
mkdir -p "$parse_dir" "$split_dir"

# seed NAME CONFIG STREAM: STREAM is a printf format (\r, \n, \xHH; a backslash is \\).
# resp_split gets the stream cut one byte in, at a few short steps, and at its middle.
seed() {
  local name=$1 config=$2 stream=$3
  local c
  # Every input starts with its format version byte (fuzz/drivers/fuzz_target.h):
  # resp_parse and resp_split read format version 1.
  c='\x01'$(printf '\\x%02x' "$config")
  printf "$c$stream" >"$parse_dir/$name"
  printf "$c"'\x00'"$stream" >"$split_dir/$name-whole"
  printf "$c"'\x05\x01\x00\x02\x00\x03\x00\x05\x00\x08\x00'"$stream" >"$split_dir/$name-cuts"
}

repeat() { local s=$1 n=$2 out=""; for ((i = 0; i < n; i++)); do out+=$s; done; printf '%s' "$out"; }

# ---- real traffic (roomy limits) ------------------------------------------------------------
R=3
seed redis-cli-ping "$R" '*1\r\n$4\r\nPING\r\n'
seed redis-cli-set-get "$R" '*3\r\n$3\r\nSET\r\n$3\r\na b\r\n$4\r\nc\nd\r\n*2\r\n$3\r\nGET\r\n$3\r\na b\r\n'
seed redis-benchmark-startup "$R" '*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\nsave\r\n*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$10\r\nappendonly\r\n'
seed redis-benchmark-ping-inline "$R" 'PING\r\nPING\r\n'
seed redis-benchmark-set "$R" '*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n'
seed redis-benchmark-set-d40 "$R" '*3\r\n$3\r\nSET\r\n$16\r\nkey:000000032654\r\n$40\r\nVXKeHogKgJ=[5V9_X^b?48OKF2jGA<f:iR@50o7d\r\n'
seed redis-benchmark-incr "$R" '*2\r\n$4\r\nINCR\r\n$20\r\ncounter:__rand_int__\r\n'
seed redis-benchmark-lpush-lpop "$R" '*3\r\n$5\r\nLPUSH\r\n$6\r\nmylist\r\n$3\r\nVXK\r\n*2\r\n$4\r\nLPOP\r\n$6\r\nmylist\r\n'
seed redis-benchmark-lrange "$R" '*4\r\n$6\r\nLRANGE\r\n$6\r\nmylist\r\n$1\r\n0\r\n$2\r\n99\r\n'
seed redis-benchmark-mset "$R" "*21\\r\\n\$4\\r\\nMSET\\r\\n$(repeat '$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n' 10)"
seed mixed-inline-multibulk "$R" 'PING\r\n*1\r\n$4\r\nPING\r\nPING\n'
seed keyspace-pipelining "$R" 'SET k1 xyzk\r\nGET k1\r\nPING\r\n'
seed telnet-quoting "$R" 'set "a b" c\r\nECHO '"'"'x\\'"'"'y'"'"' "\\x41\\n\\t\\\\\\""\r\n'
seed telnet-blank-lines "$R" '\r\n   \t \r\n\nPING\r\r\n\x0bPING\n'
seed binary-bulk "$R" '*2\r\n$4\r\nECHO\r\n$5\r\na\x00\r\nb\r\n'
seed empty-arg "$R" '*1\r\n$0\r\n\r\nECHO ""\r\n'
seed ignored-requests "$R" '*0\r\n*-1\r\n*-10\r\nPING\r\n'
seed unchecked-bytes "$R" '*1\rX$4\r\nPING\r\n*1\r\n$4\rXPINGxy*1\r\n$4\r\nPING\r\n'
seed partial-request "$R" '*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$1000\r\nabc'

# ---- malformed: protocol.tcl and the verified table -------------------------------------
seed err-out-of-range-mbulk "$R" '*3000000000\r\n'
seed err-wrong-payload-header "$R" '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n'
seed err-negative-bulk "$R" '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n'
seed err-out-of-range-bulk "$R" '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n'
seed err-non-number-bulk "$R" '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n'
seed err-not-followed-by-bulk "$R" '*1\r\nfoo\r\n'
seed err-unbalanced-quotes "$R" 'set """test-key""" test-value\r\nping\r\n'
seed err-after-pipeline "$R" 'PING\r\nPING\r\n*x\r\nPING\r\n'
seed err-mbulk-minus-zero "$R" '*-0\r\n'
seed err-mbulk-plus "$R" '*+1\r\n'
seed err-mbulk-lf-only "$R" '*1\n$4\r\nPING\r\n'
seed wait-lf-only "$R" '*1\n$4\nPING\n'
seed err-bulk-minus-one "$R" '*1\r\n$-1\r\n'
seed err-bulk-leading-zero "$R" '*1\r\n$04\r\n'
seed err-expected-dollar-crlf "$R" '*1\r\n\r\n'
seed err-expected-dollar-ff "$R" '*1\r\n\xff\r\n'
seed err-quote-then-char "$R" 'ECHO "a"b\r\n'
seed err-single-quote-then-char "$R" "ECHO 'a'b\\r\\n"
seed err-unterminated-escape "$R" 'ECHO "ab\\"\r\n'
seed wait-nul-inline "$R" 'PI\x00NG\r\n'
seed wait-nul-mbulk "$R" '*1\x00\r\n$4\r\nPING\r\n'

# ---- small limits (set 0: 8 args, 16-byte bulks, 24-byte lines, 96-byte requests) -------
S=0
seed limit-args-8 "$S" "*8\\r\\n$(repeat '$1\r\na\r\n' 8)"
seed limit-args-9 "$S" '*9\r\n'
seed limit-bulk-16 "$S" "*2\\r\\n\$3\\r\\nSET\\r\\n\$16\\r\\n$(repeat x 16)\\r\\n*1\\r\\n\$4\\r\\nPING\\r\\n"
seed limit-bulk-17 "$S" '*1\r\n$17\r\n'
seed limit-inline-24 "$S" "ECHO $(repeat y 19)\\n"
seed limit-inline-25 "$S" "ECHO $(repeat y 20)\\n"
seed limit-inline-args "$S" "$(repeat 'a ' 9)\\r\\n"
seed limit-mbulk-line "$S" "*$(repeat 1 30)"
seed limit-bulk-line "$S" "*1\\r\\n\$$(repeat 2 30)"
seed limit-request "$S" "*6\\r\\n$(repeat '$16\r\n0123456789abcdef\r\n' 6)"
seed desync-nul-inline "$S" "\\x00$(repeat payload 5)"
seed desync-nul-mbulk "$S" "*\\x00$(repeat payload 5)"
seed desync-nul-dollar "$S" "\$\\x00$(repeat payload 5)"
seed limit-args-3 1 '*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n*4\r\n'
seed limit-args-3-inline 1 'a b c\r\n'

# ---- not authenticated (bit 7), limit set 3 ------------------------------------------------
U=$((0x83))
seed unauth-args-10-11 "$U" "*10\\r\\n$(repeat '$1\r\na\r\n' 10)*11\\r\\n"
seed unauth-bulk-16384 "$U" '*1\r\n$16384\r\n'
seed unauth-bulk-16385 "$U" '*2\r\n$4\r\nECHO\r\n$16385\r\n'
seed unauth-ignored "$U" '*-1\r\nPING\r\n'

# ---- the dictionary -----------------------------------------------------------------------
cat >corpus/resp_parse.dict <<'DICT'
# RESP requests: the bytes that matter to the parser (libFuzzer / AFL++ format).
"*"
"$"
"\x0d\x0a"
"\x0d"
"\x0a"
"\x00"
"*1\x0d\x0a"
"*2\x0d\x0a"
"*3\x0d\x0a"
"$1\x0d\x0a"
"$3\x0d\x0a"
"$0\x0d\x0a\x0d\x0a"
"*0\x0d\x0a"
"*-1\x0d\x0a"
"$-1\x0d\x0a"
"-0"
"\""
"'"
"\\x"
"\\\""
"\\'"
"\\n"
" "
"\x09"
"\x0b"
"\x0c"
"PING"
"SET"
"GET"
"ECHO"
"3"
"4"
"8"
"9"
"10"
"11"
"16"
"17"
"24"
"25"
"64"
"65"
"512"
"513"
"1024"
"1025"
"16384"
"16385"
"65536"
"2147483647"
"2147483648"
"9223372036854775807"
"-9223372036854775808"
DICT
cp corpus/resp_parse.dict corpus/resp_split.dict
echo "resp seeds: $(ls "$parse_dir" | wc -l) in $parse_dir, $(ls "$split_dir" | wc -l) in $split_dir"
