// The library product re-exports every layer so that code embedding labeille-bench needs one import.
// The project's own targets import the layers they use by name, which is what keeps them apart.
@_exported import LabeilleCore
@_exported import LabeilleReports
@_exported import LabeilleRunner
@_exported import LabeilleStats
@_exported import LabeilleStore
@_exported import LabeilleUseCases
