#!/bin/bash
# SSH like the original: the cluster's own key (0600, not in the image),
# root login with the real OpenSSH client using exactly the command that
# `inspect` prints, `dcos-docker ssh` (exit codes, quoting), strict host key
# checking against the cluster's known_hosts without touching ~/.ssh, sshd
# ready when `create` returns, and an Ansible inventory that works.
source "$(dirname "$0")/lib.sh"

command -v ssh >/dev/null || fail "OpenSSH's ssh client is needed"
cluster=dd-test-ssh-$$
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"

# ~/.ssh/known_hosts as OpenSSH finds it (the passwd home, not $HOME).
home=$(getent passwd "$(id -u)" | cut -d: -f6)
known="$home/.ssh/known_hosts"
known_before=$( [ -e "$known" ] && sha256sum <"$known" || echo absent)

create_cluster "$cluster" --masters 1 --agents 1 --public-agents 0

# sshd is ready when create returns: the very first login works.
dd inspect --cluster "$cluster" >"$tmp/inspect.json"
master_cmd=$(jq -r '.nodes[] | select(.short_name == "master1") | .ssh' "$tmp/inspect.json")
out=$(eval "$master_cmd" hostname </dev/null) || fail "first ssh right after create failed: $master_cmd"
[ "$out" = "$cluster-master1" ] || fail "ssh reached '$out', expected $cluster-master1"
pass "sshd answers as soon as create returns"

key=$(jq -r .ssh_key "$tmp/inspect.json")
[ -f "$key" ] || fail "no private key at $key"
[ "$(stat -c %a "$key")" = 600 ] || fail "key $key has mode $(stat -c %a "$key"), expected 600"
case "$key" in */genconf/ssh_key) ;; *) fail "key is not <workspace>/genconf/ssh_key: $key" ;; esac
pass "private key at genconf/ssh_key, mode 0600"

# Every node, exactly the inspect command, as root, by IP.
n=0
while IFS=$'\t' read -r name ip cmd; do
	case "$cmd" in *"root@$ip"*) ;; *) fail "ssh command of $name does not log in as root@$ip: $cmd" ;; esac
	# eval: the inspect string is shell-quoted; the remote command stays quoted for the node.
	got=$(eval "$cmd" "'echo \$(id -un)@\$(hostname)'" </dev/null) || fail "ssh to $name failed: $cmd"
	[ "$got" = "root@$name" ] || fail "ssh to $name answered '$got'"
	n=$((n + 1))
done < <(jq -r '.nodes[] | [.container_name, .ip, .ssh] | @tsv' "$tmp/inspect.json")
[ "$n" = 2 ] || fail "expected 2 nodes in inspect, got $n"
pass "the inspect ssh command logs into every node as root"

# The plain command from the issue works too, given the cluster's known_hosts.
kh=$(jq -r .known_hosts "$tmp/inspect.json")
ip=$(jq -r '.nodes[] | select(.short_name == "agent1") | .ip' "$tmp/inspect.json")
out=$(ssh -i "$key" -o UserKnownHostsFile="$kh" -o StrictHostKeyChecking=yes -o BatchMode=yes \
	"root@$ip" hostname </dev/null) || fail "ssh -i $key root@$ip failed"
[ "$out" = "$cluster-agent1" ] || fail "root@$ip is '$out'"
# ... by node name as well: known_hosts holds both.
out=$(ssh -i "$key" -o UserKnownHostsFile="$kh" -o StrictHostKeyChecking=yes -o BatchMode=yes \
	-o HostKeyAlias="$cluster-agent1" "root@$ip" true </dev/null 2>&1) ||
	fail "known_hosts has no entry for the name $cluster-agent1: $out"
pass "ssh -i genconf/ssh_key root@<IP>"

# Host keys are really checked: an empty known_hosts makes ssh refuse, without a prompt.
: >"$tmp/empty_known_hosts"
if ssh -i "$key" -o UserKnownHostsFile="$tmp/empty_known_hosts" -o StrictHostKeyChecking=yes \
	-o BatchMode=yes "root@$ip" true </dev/null 2>/dev/null; then
	fail "ssh logged in with an empty known_hosts: host keys are not checked"
fi
[ ! -s "$tmp/empty_known_hosts" ] || fail "ssh wrote to a known_hosts file"
pass "strict host key checking"

# dcos-docker ssh: by short name, container name and IP; remote command; exit code.
for spec in master1 "$cluster-master1" "$(jq -r '.nodes[0].ip' "$tmp/inspect.json")"; do
	out=$(dd ssh --cluster "$cluster" "$spec" hostname </dev/null) || fail "dcos-docker ssh $spec failed"
	[ "$out" = "$cluster-master1" ] || fail "dcos-docker ssh $spec reached '$out'"
done
rc=0
dd ssh --cluster "$cluster" agent1 'exit 7' </dev/null || rc=$?
[ "$rc" = 7 ] || fail "dcos-docker ssh did not return the remote exit code 7 (got $rc)"
# The remote shell parses the joined words, as with ssh: quotes survive one level.
out=$(dd ssh --cluster "$cluster" master1 printf '%s\\n' "'a  b'" c </dev/null)
[ "$out" = $'a  b\nc' ] || fail "remote command words arrived as '$out'"
out=$(dd ssh --cluster "$cluster" master1 -- echo -n ok </dev/null)
[ "$out" = ok ] || fail "'NODE -- CMD' gave '$out'"
# stdin reaches the remote command.
out=$(echo piped | dd ssh --cluster "$cluster" master1 cat)
[ "$out" = piped ] || fail "stdin did not reach the remote command: '$out'"
expect_exit 2 dd ssh --cluster "$cluster" nosuchnode true
assert_one_line_error "nosuchnode"
pass "dcos-docker ssh: names, exit code, quoting, stdin, unknown node"

# An interactive login through a pseudo-terminal gets a TTY (ssh -t).
if command -v script >/dev/null; then
	rc=0
	printf 'tty; exit 3\n' | script -qec "$DCOS_DOCKER ssh --cluster $cluster master1" \
		"$tmp/typescript" >/dev/null || rc=$?
	grep -aq '/dev/pts/' "$tmp/typescript" || fail "no TTY for an interactive login: $(cat "$tmp/typescript")"
	[ "$rc" = 3 ] || fail "interactive login exited $rc, expected 3"
	pass "interactive login gets a TTY and returns the shell's exit code"
fi

# The private key is nowhere in the image.
image=$(jq -r .image "$tmp/inspect.json")
pub=$(cut -d' ' -f2 "$key.pub")
docker run --rm --entrypoint /bin/sh "$image" -c \
	"! grep -rqs -- '$pub' /root /etc/ssh && ! ls /etc/ssh/ssh_host_*key 2>/dev/null | grep -q ." ||
	fail "the image $image carries the cluster key or SSH host keys"
pass "no key baked into the image"

# The Ansible inventory drives the nodes over SSH: what Ansible would run.
dd inventory --cluster "$cluster" >"$tmp/hosts.ini"
grep -q '^\[masters\]' "$tmp/hosts.ini" && grep -q '^\[agents\]' "$tmp/hosts.ini" &&
	grep -q '^\[public_agents\]' "$tmp/hosts.ini" || fail "inventory lacks a group: $(cat "$tmp/hosts.ini")"
grep -q '^ansible_user=root$' "$tmp/hosts.ini" || fail "inventory has no ansible_user=root"
python3 - "$tmp/hosts.ini" "$tmp/ssh-cmds" <<'PY' || fail "inventory is not usable: $(cat "$tmp/hosts.ini")"
import shlex, sys
hosts, vars_, group = [], {}, None
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    if line.startswith("["):
        group = line[1:-1]
        continue
    if group == "dcos:vars":
        k, v = line.split("=", 1)
        vars_[k] = shlex.split(v)[0] if v[:1] in "'\"" else v
    elif group in ("masters", "agents", "public_agents"):
        words = shlex.split(line)
        hv = dict(w.split("=", 1) for w in words[1:])
        hosts.append((group, words[0], hv["ansible_host"]))
assert [g for g, _, _ in hosts] == ["masters", "agents"], hosts
with open(sys.argv[2], "w") as out:
    for g, name, ip in hosts:
        argv = ["ssh", "-i", vars_["ansible_ssh_private_key_file"], "-o", "BatchMode=yes"]
        argv += shlex.split(vars_["ansible_ssh_common_args"])
        argv += ["-l", vars_["ansible_user"], ip]
        # What Ansible's modules need besides ssh: the interpreter it is told of.
        # (one word: ssh joins its arguments into one command line for the shell)
        py = argv + [vars_["ansible_python_interpreter"] + " -c 'import json; print(json.dumps(1))'"]
        out.write(name + "\t" + shlex.join(argv + ["hostname"]) + "\t" + shlex.join(py) + "\n")
PY
while IFS=$'\t' read -r name cmd pycmd; do
	got=$(eval "$cmd" </dev/null) || fail "inventory ssh to $name failed: $cmd"
	[ "$got" = "$name" ] || fail "inventory host $name answered as '$got'"
	got=$(eval "$pycmd" </dev/null) || fail "inventory: the python interpreter on $name failed: $pycmd"
	[ "$got" = 1 ] || fail "inventory: python on $name printed '$got'"
done <"$tmp/ssh-cmds"
pass "inventory: groups, user, key and strict known_hosts work with ssh; ansible_python_interpreter runs"

known_after=$( [ -e "$known" ] && sha256sum <"$known" || echo absent)
[ "$known_before" = "$known_after" ] || fail "~/.ssh/known_hosts changed"
pass "~/.ssh/known_hosts untouched"
