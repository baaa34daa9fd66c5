"""The 3D bench runs and reports ours side by side with e3nn when it is installed (tiny sizes here)."""

from equi_groups._bench3d import bench_3d


def test_bench_3d_small_reports_times_and_ratios():
    res = bench_3d(n_rotations=50, rounds=1, max_degree=2, with_escnn=False)
    assert res["wigner_d_ms.l2.equi_groups"] > 0 and res["clebsch_gordan_ms.l4.equi_groups"] > 0
    if not str(res["e3nn"]).startswith("not available"):
        assert res["wigner_d_ms.l2.ratio_e3nn_over_ours"] > 0
    assert res["decompose_ms.so3_tensor_l2_and_octa_restrict_l4.equi_groups"] > 0
