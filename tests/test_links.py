"""Binder and nbgitpuller links: encoded as Binder and nbgitpuller read them, and every one names a real notebook."""
from __future__ import annotations

import subprocess
import sys
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from labsupport import LabError
from labsupport.links import COURSE_ROOT, binder_url, clone_directory, course_notebooks, links, nbgitpuller_url

REPO = "https://github.com/ada/k8s-vs-mesos"
HUB = "https://hub.example.org/"


def test_every_lesson_and_exercise_notebook_gets_a_link_and_each_names_an_existing_file():
    table = links(REPO, "main", HUB)
    lessons = sorted(p.name for p in (COURSE_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    exercises = sorted(p.name for p in (COURSE_ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
    assert len(table) == len(lessons) + len(exercises) and lessons and exercises
    for row in table:
        binder_path = parse_qs(urlsplit(row["BINDER"]).query)["urlpath"][0]
        assert binder_path == f"lab/tree/{row['NOTEBOOK']}"
        pulled = parse_qs(urlsplit(row["NBGITPULLER"]).query)
        assert pulled["urlpath"][0] == f"lab/tree/k8s-vs-mesos/{row['NOTEBOOK']}"
        assert (COURSE_ROOT / row["NOTEBOOK"]).is_file()


def test_links_come_in_course_order_lesson_then_its_exercises():
    paths = course_notebooks()
    assert paths[0] == "notebooks/00_welcome.ipynb"
    numbers = [p.split("/")[1][:2] for p in paths]
    assert numbers == sorted(numbers)


@pytest.mark.parametrize(("repo", "ref", "expected_prefix"), [
    pytest.param(REPO, "main", "https://mybinder.org/v2/gh/ada/k8s-vs-mesos/main?", id="a GitHub repository uses the gh provider"),
    pytest.param(REPO + ".git", "v1.0", "https://mybinder.org/v2/gh/ada/k8s-vs-mesos/v1.0?", id="a .git suffix is dropped"),
    pytest.param("https://gitlab.example.org/ada/course.git", "main",
                 "https://mybinder.org/v2/git/https%3A%2F%2Fgitlab.example.org%2Fada%2Fcourse.git/main?",
                 id="another host uses the git provider with the clone URL encoded"),
    pytest.param(REPO, "feature/new lesson".replace(" ", "-"), "https://mybinder.org/v2/gh/ada/k8s-vs-mesos/feature%2Fnew-lesson?",
                 id="a slash in a branch name is encoded"),
])
def test_binder_url_forms(repo, ref, expected_prefix):
    url = binder_url(repo, ref, "notebooks/00_welcome.ipynb")
    assert url.startswith(expected_prefix)
    assert url.endswith("urlpath=lab%2Ftree%2Fnotebooks%2F00_welcome.ipynb")


def test_nbgitpuller_url_matches_what_its_link_generator_builds():
    # docs/_static/link_gen/link.js: URLSearchParams (form encoding), repo, urlpath = lab/tree/<clone dir>/<file>, branch
    url = nbgitpuller_url(HUB, REPO + ".git", "main", "exercises/01_architecture.ipynb")
    assert url == ("https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fada%2F"
                   "k8s-vs-mesos.git&urlpath=lab%2Ftree%2Fk8s-vs-mesos%2Fexercises%2F01_architecture.ipynb&branch=main")
    assert unquote(url).count("?") == 1


@pytest.mark.parametrize(("repo", "folder"), [
    pytest.param("https://github.com/ada/course.git", "course", id="the .git suffix is not part of the folder"),
    pytest.param("https://github.com/ada/course/", "course", id="a trailing slash is ignored"),
    pytest.param("https://example.org/x/my.course.bundle", "my.course", id="a .bundle suffix is dropped"),
])
def test_clone_directory_is_named_as_git_clone_names_it(repo, folder):
    assert clone_directory(repo) == folder


@pytest.mark.parametrize(("kwargs", "message"), [
    pytest.param({"repo": "github.com/ada/x"}, "repo: 'github.com/ada/x' is not an http(s) URL", id="a repo without a scheme"),
    pytest.param({"repo": ""}, "repo: give a URL such as https://github.com/OWNER/REPO, got ''", id="an empty repo"),
    pytest.param({"ref": "main branch"}, "ref: 'main branch' is not a valid git branch, tag or commit name", id="a ref with a space"),
    pytest.param({"ref": "a..b"}, "ref: 'a..b' is not a valid git branch, tag or commit name", id="a ref with two dots"),
    pytest.param({"hub": "hub.example.org"}, "hub: 'hub.example.org' is not an http(s) URL", id="a hub without a scheme"),
])
def test_bad_input_is_named(kwargs, message):
    args = {"repo": REPO, "ref": "main", "hub": HUB, **kwargs}
    with pytest.raises(LabError) as e:
        links(**args)
    assert str(e.value) == message


def test_command_line_prints_a_table_and_reports_errors_without_a_traceback():
    ok = subprocess.run([sys.executable, "-m", "labsupport.links", "--repo", REPO, "--hub", HUB, "--markdown"],
                        capture_output=True, text=True, check=True)
    assert ok.stdout.startswith("| NOTEBOOK | BINDER | NBGITPULLER |")
    bad = subprocess.run([sys.executable, "-m", "labsupport.links", "--repo", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "is not an http(s) URL" in bad.stderr
