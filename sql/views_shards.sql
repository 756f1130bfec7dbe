-- The machine that measured each package of a merged run (one row per package).
--   bench_id (the merged run), package, shard_index (the shard K of K/N that ran it), hostname, cpu_model,
--   cpu_architecture, os_kernel_version (that shard's machine), source_bench_id (the shard run it came from).
DROP VIEW IF EXISTS v_package_machine;
CREATE VIEW v_package_machine AS
SELECT r.bench_id, pr.package, ps.shard_index, ms.hostname, ms.cpu_model, ms.cpu_architecture, ms.os_kernel_version,
       ms.source_bench_id
FROM package_shard ps
JOIN package_result pr ON pr.package_result_id = ps.package_result_id
JOIN run r ON r.run_id = pr.run_id
JOIN merged_shard ms ON ms.run_id = pr.run_id AND ms.shard_index = ps.shard_index;
