//! A criterion measurement of the benchmark thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`, nanosecond resolution on Linux).
//!
//! Wall-clock time on a machine shared with other builds also counts the
//! time the thread waits for a core; CPU time does not, so it estimates what
//! an idle machine would show (cache and hyperthread contention still count).
//! Only on 64-bit Linux (the clock id and `timespec` layout are Linux's);
//! elsewhere [`available`] is false and the CPU-time groups are skipped.

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod clock {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }

    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

    unsafe extern "C" {
        // From the C library std already links on Linux.
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }

    /// CPU time of the calling thread in nanoseconds, `None` if unavailable.
    pub fn thread_cpu_ns() -> Option<u64> {
        let mut time = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `time` is a valid, writable timespec for the call's duration.
        let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) };
        (rc == 0).then(|| (time.tv_sec as u64) * 1_000_000_000 + time.tv_nsec as u64)
    }
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
mod clock {
    pub fn thread_cpu_ns() -> Option<u64> {
        None
    }
}

use clock::thread_cpu_ns;

/// Whether the clock works here (checked before benchmarking with it).
pub fn available() -> bool {
    thread_cpu_ns().is_some()
}

/// The calling thread's CPU time, in nanoseconds.
pub struct ThreadCpuTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns().unwrap_or(0)
    }

    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().unwrap_or(0).saturating_sub(start)
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanoseconds
    }
}

/// Formats nanoseconds like criterion's wall-clock formatter.
struct Nanoseconds;

impl ValueFormatter for Nanoseconds {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        WallTime.formatter().scale_values(typical, values)
    }

    fn scale_throughputs(
        &self,
        typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        WallTime
            .formatter()
            .scale_throughputs(typical, throughput, values)
    }

    fn scale_for_machines(&self, values: &mut [f64]) -> &'static str {
        WallTime.formatter().scale_for_machines(values)
    }
}
