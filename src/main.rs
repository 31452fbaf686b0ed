/// mimalloc instead of the system allocator: promgate allocates many small, short-lived
/// values (YAML nodes, PromQL trees, messages) on several threads, and measured on the
/// 100,000-rule corpus it cut user CPU time by about 40% (README, "Dependency choices").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(promgate::cli::main());
}

/// mimalloc's `mi_option_arena_eager_commit`: the same index (4) in mimalloc 2 and 3
/// (`mimalloc.h` of libmimalloc-sys 0.1.49, both versions).
#[cfg(target_os = "linux")]
const MI_OPTION_ARENA_EAGER_COMMIT: std::os::raw::c_int = 4;

#[cfg(target_os = "linux")]
extern "C" {
    /// Part of mimalloc's C API, in the library the `mimalloc` crate links: sets an
    /// option's default, which the option's environment variable still overrides.
    fn mi_option_set_default(option: std::os::raw::c_int, value: std::os::raw::c_long);
}

/// Lets mimalloc commit its arena's memory as it is used instead of all at once (its
/// default on Linux). On 100,000 rules this lowered peak RSS by 16-22 MB (130 -> 114 MB
/// JSON, 141 -> 119 MB human) at the same user CPU and less system time; purging freed
/// memory at once (`MIMALLOC_PURGE_DELAY=0`) would lower it further but cost 20% more
/// user CPU, so it is left alone (docs/performance.md). `MIMALLOC_ARENA_EAGER_COMMIT`
/// still wins.
///
/// mimalloc reads the option once, when it reserves its first arena, and that happens
/// at its first allocation, before `main`: so this runs as a constructor, ahead of
/// mimalloc's own (priority 100 sorts before the unnumbered `.init_array`), and must
/// not allocate.
#[cfg(target_os = "linux")]
extern "C" fn commit_arenas_on_demand() {
    // SAFETY: stores one integer in mimalloc's static option table, which needs no
    // initialisation; any value is valid.
    unsafe { mi_option_set_default(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
}

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00100"]
static COMMIT_ARENAS_ON_DEMAND: extern "C" fn() = commit_arenas_on_demand;
