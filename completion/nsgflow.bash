# nsgflow.bash: bash completion for nsgflow: the commands, the config and
# tags verbs, each command's options and their fixed values, and file names
# where a file is asked for. Installed by `make install` as
# $(PREFIX)/share/bash-completion/completions/nsgflow; without installing:
#     source completion/nsgflow.bash
# tests/e2e/25_cli_help.sh checks that it knows every command and every
# long option the help texts print.

_nsgflow_commands="ingest analyze report run accept config stats prune tags help"

# The options before the command, and each command's own.
_nsgflow_global="--db -q --quiet --json --no-color --help --version"
_nsgflow_opts_ingest="--db --strict --quiet -q --verbose -v --wait --name --max-tuples --max-stdin --only --shard --since --until --threads --blob-endpoint --auth-mode --help"
_nsgflow_opts_analyze="--db --apim-subnet --since --until --platform --vnet-type --fail-on --shard --dry-run --quiet -q --json --help"
_nsgflow_opts_report="--db --format --output -o --since --until --no-color --help"
_nsgflow_opts_run="--db --report --format --fail-on --apim-subnet --platform --vnet-type --config --strict --wait --quiet -q --blob-endpoint --auth-mode --since --until --help"
_nsgflow_opts_accept="--db --reason --until --list --remove --help"
_nsgflow_opts_config="--db --wait --instance --quiet -q --json --help"
_nsgflow_opts_stats="--db --json --help"
_nsgflow_opts_prune="--db --older-than --dry-run --help"
_nsgflow_opts_tags="--db --help"

# The options that take a value (the word after them is no command, verb
# or file argument).
_nsgflow_valued="--db --wait --name --max-tuples --max-stdin --only --shard --threads
    --apim-subnet --since --until --platform --vnet-type --fail-on --format --output -o
    --report --config --reason --remove --older-than --instance --blob-endpoint --auth-mode"

_nsgflow_files()
{
    if declare -F _filedir >/dev/null 2>&1; then
        _filedir
    else
        local IFS=$'\n'
        COMPREPLY=($(compgen -f -- "$1"))
        compopt -o filenames 2>/dev/null
    fi
}

_nsgflow()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local cmd="" verb="" w i=1
    COMPREPLY=()
    # the command and its verb: the first words that are no option or an
    # option's value
    while [ "$i" -lt "$COMP_CWORD" ]; do
        w=${COMP_WORDS[i]}
        case " $_nsgflow_valued " in
        *" $w "*) i=$((i + 2)); continue ;;
        esac
        case $w in
        -*) ;;
        *)
            if [ -z "$cmd" ]; then
                cmd=$w
            elif [ -z "$verb" ]; then
                verb=$w
            fi
            ;;
        esac
        i=$((i + 1))
    done

    # the value of an option
    case $prev in
    --db | --output | -o | --report | --config | --name)
        _nsgflow_files "$cur"
        return 0
        ;;
    --format)
        COMPREPLY=($(compgen -W "text md csv json html sh" -- "$cur"))
        return 0
        ;;
    --platform)
        COMPREPLY=($(compgen -W "stv1 stv2" -- "$cur"))
        return 0
        ;;
    --vnet-type)
        COMPREPLY=($(compgen -W "external internal" -- "$cur"))
        return 0
        ;;
    --fail-on)
        if [ "$cmd" = run ]; then
            COMPREPLY=($(compgen -W "new error warning" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "error warning" -- "$cur"))
        fi
        return 0
        ;;
    --threads)
        COMPREPLY=($(compgen -W "1 2" -- "$cur"))
        return 0
        ;;
    --auth-mode)
        COMPREPLY=($(compgen -W "key login" -- "$cur"))
        return 0
        ;;
    --blob-endpoint)
        return 0 # a URL to type
        ;;
    --wait | --max-tuples | --max-stdin | --only | --shard | --apim-subnet | --since | \
        --until | --reason | --remove | --older-than | --instance)
        return 0 # a value to type
        ;;
    esac

    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$_nsgflow_global" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_nsgflow_commands" -- "$cur"))
        fi
        return 0
    fi
    local opts_var="_nsgflow_opts_${cmd}"
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "${!opts_var}" -- "$cur"))
        return 0
    fi
    case $cmd in
    help)
        [ -z "$verb" ] && COMPREPLY=($(compgen -W "$_nsgflow_commands" -- "$cur"))
        ;;
    config | tags)
        if [ -z "$verb" ]; then
            COMPREPLY=($(compgen -W "import show" -- "$cur"))
        elif [ "$verb" = import ]; then
            _nsgflow_files "$cur"
        fi
        ;;
    ingest | run)
        _nsgflow_files "$cur"
        ;;
    esac
    return 0
}

complete -F _nsgflow nsgflow
