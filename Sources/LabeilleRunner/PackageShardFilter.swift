import LabeilleCore
import LabeilleStore

/// Narrows a run's selected packages to this machine's share of a sharded run. The runner only applies it;
/// planning the shares (duration history, balancing) belongs to the layer above, which implements it.
public protocol PackageShardFilter: AnyObject {
    /// What the run records about its shard, set once `select` has run.
    var info: ShardInfo? { get }
    /// This shard's packages among `selected`, in selection order.
    func select(_ selected: [RegistryPackage], settings: BenchSettings, resumeBenchID: String?, db: Database,
                log: (String) -> Void) throws -> [RegistryPackage]
}
