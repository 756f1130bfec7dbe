import CSpawn
import LabeilleRunner

/// Ctrl-C and SIGTERM during `bench run`. The command line owns the process's signal handling: it installs
/// the handlers once and hands the runner an `Interruption`, which stops the run between steps and kills the
/// child in flight (children run in their own process groups, so the terminal's signal does not reach them).
/// The interrupted run is stored up to its last complete iteration and can be resumed.
enum InterruptSignals {
    static func install() -> Interruption {
        let wake = lb_install_interrupt_handlers()
        return Interruption(wakeDescriptor: wake) { lb_interrupted() != 0 }
    }
}
