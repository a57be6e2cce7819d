package dev.ato.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.rootfs.build.Mmdebstrap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RecipeTest {
    @Test
    void parsesARecipeAndBuildsTheMmdebstrapCommand() {
        Recipe r = Recipe.parse("""
                name: debian-python
                suite: bookworm
                variant: apt
                packages: [python3, ca-certificates]
                env: [LANG=C.UTF-8]
                """);
        assertThat(r.reference().canonical()).isEqualTo("localhost/ato/debian-python:bookworm");
        assertThat(r.components()).containsExactly("main");
        assertThat(Mmdebstrap.command(r, Path.of("/tmp/x.tar")))
                .startsWith("mmdebstrap", "--variant=apt", "--format=tar", "--components=main", "--include=python3,ca-certificates")
                .endsWith("bookworm", "/tmp/x.tar");
    }

    @Test
    void refusesRecipesThatWouldInjectIntoTheCommandLine() {
        assertThatThrownBy(() -> Recipe.parse("name: x\nsuite: bookworm\npackages: ['--hook-dir=/tmp']")).hasMessageContaining("bad package name");
        assertThatThrownBy(() -> Recipe.parse("name: x\nsuite: 'bookworm /tmp'")).hasMessageContaining("suite");
        assertThatThrownBy(() -> Recipe.parse("name: X\nsuite: bookworm")).hasMessageContaining("name");
        assertThatThrownBy(() -> Recipe.parse("name: x\nsuite: bookworm\nvariant: evil")).hasMessageContaining("variant");
        assertThatThrownBy(() -> Recipe.parse("name: x\nsuite: bookworm\nsurprise: 1")).hasMessageContaining("unknown key");
        assertThatThrownBy(() -> Recipe.parse("- a list")).hasMessageContaining("mapping");
    }

    @Test
    void everyShippedRecipeIsValid() throws Exception {
        Path dir = Path.of(System.getProperty("user.dir")).resolve("../setup/images").normalize();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.filter(p -> p.toString().endsWith(".yaml")).map(Recipe::load)).isNotEmpty();
        }
    }
}
