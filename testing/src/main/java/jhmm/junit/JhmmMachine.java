package jhmm.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A fresh {@link jhmm.kernel.Machine} for each test, injected as a parameter of the test
 * method or of its {@code @BeforeEach} methods, and checked after the test by
 * {@link JhmmExtension}. On a class it configures every test; on a method it overrides the
 * class's. Sizes read as in scenario files ({@code 64M}, {@code 1G}, {@code 512p}).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(JhmmExtension.class)
public @interface JhmmMachine {
    /** RAM size. */
    String ram() default "64M";

    /** Swap size; "0" for none. */
    String swap() default "0";

    /** /sys/kernel/mm/transparent_hugepage/enabled. */
    ThpMode thp() default ThpMode.MADVISE;

    /** Boot-time 2 MiB hugetlb pages. */
    int hugetlb2m() default 0;

    /** Whether devices sit behind an IOMMU (what an injected {@link jhmm.dma.DmaSystem} uses). */
    boolean iommu() default true;
}
