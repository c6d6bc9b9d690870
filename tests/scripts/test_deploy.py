"""deploy/: the Kubernetes manifests validate against the Kubernetes schema (strictly: unknown
fields are errors) and carry the settings the nightly drift check and the cutover smoke test
rely on; the Dockerfile builds with the same scripts as CI and runs as a non-root user."""

import glob
import json
import os
import subprocess
import tempfile
import unittest

from fixture_util import SOURCE_DIR

VALIDATOR = os.path.join(SOURCE_DIR, "scripts", "k8s-validate")
MANIFESTS = sorted(glob.glob(os.path.join(SOURCE_DIR, "deploy", "k8s", "*.yaml")))


def validate(*files, dump=False):
    cmd = ["node", "validate.mjs"] + (["--dump"] if dump else []) + list(files)
    return subprocess.run(cmd, cwd=VALIDATOR, capture_output=True, text=True, timeout=120)


class Manifests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(os.path.join(VALIDATOR, "node_modules")):
            raise AssertionError("run scripts/test.sh first (npm ci in scripts/k8s-validate)")
        out = validate(*MANIFESTS, dump=True)
        assert out.returncode == 0, out.stdout + out.stderr
        cls.docs = {(d["object"]["kind"], d["object"]["metadata"]["name"]): d["object"]
                    for d in json.loads(out.stdout)}

    def test_all_manifests_valid(self):
        self.assertGreaterEqual(len(MANIFESTS), 4)
        out = validate(*MANIFESTS)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("all documents valid", out.stdout)

    def test_validator_rejects_bad_manifests(self):
        # A misspelt field and a wrong type must both fail, or the check above proves nothing.
        src = open(os.path.join(SOURCE_DIR, "deploy", "k8s", "drift-cronjob.yaml")).read()
        cases = {
            "typo": src.replace("backoffLimit: 3", "backofLimit: 3"),
            "type": src.replace("backoffLimit: 3", "backoffLimit: three"),
            "enum": src.replace("concurrencyPolicy: Forbid", "concurrencyPolicy: Never"),
        }
        for name, text in cases.items():
            self.assertNotEqual(text, src, name)
            with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
                f.write(text)
                f.flush()
                out = validate(f.name)
                self.assertEqual(out.returncode, 1, f"{name}: {out.stdout}")
                self.assertIn("FAIL", out.stdout)

    def test_drift_cronjob_policy(self):
        cj = self.docs[("CronJob", "boltdiff-drift")]
        spec = cj["spec"]
        self.assertEqual(spec["concurrencyPolicy"], "Forbid")
        self.assertIn("startingDeadlineSeconds", spec)
        self.assertIn("successfulJobsHistoryLimit", spec)
        self.assertIn("failedJobsHistoryLimit", spec)
        job = spec["jobTemplate"]["spec"]
        self.assertGreater(job["backoffLimit"], 0)
        self.assertIn("activeDeadlineSeconds", job)
        rules = job["podFailurePolicy"]["rules"]
        fail_codes = {c for r in rules if r["action"] == "FailJob" for c in r["onExitCodes"]["values"]}
        self.assertIn(1, fail_codes, "drift (exit 1) must fail the Job at once")
        self.assertNotIn(3, fail_codes, "connection trouble (exit 3) must be retried")
        pod = job["template"]["spec"]
        self.assertEqual(pod["restartPolicy"], "Never")  # required by podFailurePolicy
        c = pod["containers"][0]
        self.assertEqual(c["name"], "boltdiff")
        self.assertEqual(c["args"][0], "verify")
        self.assertIn("--pushgateway", c["args"])
        self.assertTrue(any(a.endswith(".snap") for a in c["args"]), "baseline is a snapshot")
        self.assertEqual(c["envFrom"][0]["secretRef"]["name"], "neo4j-verify")
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        self.assertTrue(any(v.get("persistentVolumeClaim") for v in pod["volumes"]))
        self.assertFalse(any("PASSWORD" in a or "pass" == a for a in c["args"]))

    def test_cutover_smoke_job(self):
        job = self.docs[("Job", "boltdiff-cutover-smoke")]["spec"]
        pod = job["template"]["spec"]
        self.assertEqual(pod["initContainers"][0]["args"][0], "ping")
        self.assertGreaterEqual(len(pod["initContainers"][0]["args"]), 3, "ping every member")
        verify = pod["containers"][0]["args"]
        self.assertEqual(verify[0], "verify")
        self.assertTrue(any(a.endswith(".snap") for a in verify))


class Dockerfile(unittest.TestCase):
    def test_multi_stage_non_root_same_scripts_as_ci(self):
        text = open(os.path.join(SOURCE_DIR, "deploy", "Dockerfile")).read()
        froms = [l for l in text.splitlines() if l.startswith("FROM ")]
        self.assertEqual(len(froms), 2)
        self.assertIn("slim", froms[1])
        self.assertIn("scripts/bootstrap.sh", text)
        self.assertIn("scripts/build.sh", text)
        user = [l for l in text.splitlines() if l.startswith("USER ")]
        self.assertTrue(user and not user[-1].split()[1].startswith(("0", "root")))


if __name__ == "__main__":
    unittest.main()
