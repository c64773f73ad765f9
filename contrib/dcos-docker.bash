# bash completion for dcos-docker. Commands and options come from the
# binary's own --help texts at completion time, cluster names from
# `list --json`, node names from `inspect`: nothing here repeats a table
# that can drift from the tool.
_dcos_docker()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cli=${COMP_WORDS[0]} cmd="" cluster="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --cluster) cluster=${COMP_WORDS[i + 1]} ;;
		--cluster=*) cluster=${COMP_WORDS[i]#--cluster=} ;;
		-*) ;;
		*) [ -z "$cmd" ] && [ "${COMP_WORDS[i - 1]}" != -c ] && [ "${COMP_WORDS[i - 1]}" != --cluster ] &&
			cmd=${COMP_WORDS[i]} ;;
		esac
	done
	if [ -z "$cmd" ]; then
		local cmds
		cmds=$("$cli" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\)  .*/\1/p')
		COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
		return
	fi
	case $prev in
	-c | --cluster)
		COMPREPLY=($(compgen -W "$(_dcos_docker_clusters "$cli")" -- "$cur"))
		return
		;;
	--node)
		COMPREPLY=($(compgen -W "$(_dcos_docker_nodes "$cli" "$cluster") all masters agents public-agents" -- "$cur"))
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		local opts
		opts=$("$cli" "$cmd" --help 2>/dev/null | grep -E '^ +(-[A-Za-z0-9], )?--[a-z]' |
			grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd in
	destroy) COMPREPLY=($(compgen -W "$(_dcos_docker_clusters "$cli")" -- "$cur")) ;;
	shell | ssh | delay) COMPREPLY=($(compgen -W "$(_dcos_docker_nodes "$cli" "$cluster")" -- "$cur")) ;;
	pause | unpause | kill | stop | start | restart | partition)
		COMPREPLY=($(compgen -W "$(_dcos_docker_nodes "$cli" "$cluster") all masters agents public-agents" -- "$cur")) ;;
	remove-node) # masters cannot be removed
		COMPREPLY=($(compgen -W "$(_dcos_docker_nodes "$cli" "$cluster" | grep -v '^master')" -- "$cur")) ;;
	*) COMPREPLY=() ;; # -o default: file names
	esac
}
_dcos_docker_clusters()
{
	"$1" list --json 2>/dev/null | grep -oE '"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'
}
_dcos_docker_nodes()
{
	"$1" inspect ${2:+--cluster "$2"} 2>/dev/null | grep -oE '"short_name": *"[^"]*"' |
		sed 's/.*"\([^"]*\)"$/\1/'
}
complete -o default -F _dcos_docker dcos-docker
